/// When to ask the server again: one request at a time, the next one an
/// interval after the last answer, so a slow server is never asked faster than it
/// answers and a quiet screen costs one small request per interval.
public struct PollSchedule: Sendable, Hashable {
    public var interval: Duration
    public private(set) var inFlight = false
    /// nil: as soon as possible.
    private var nextAt: ContinuousClock.Instant?

    public init(interval: Duration) {
        self.interval = interval
    }

    /// Whether a request should start now; if so, it counts as in flight.
    mutating func start(at instant: ContinuousClock.Instant) -> Bool {
        guard !inFlight, nextAt.map({ instant >= $0 }) ?? true else { return false }
        inFlight = true
        return true
    }

    /// The answer (or the failure) arrived.
    mutating func finished(at instant: ContinuousClock.Instant) {
        inFlight = false
        nextAt = instant + interval
    }

    /// Ask again as soon as the request in flight (if any) is done.
    mutating func hurry() {
        nextAt = nil
    }
}
