import Foundation
import UsherCore

/// Supervisors' alerts: offline admissions the server could not confirm (a ticket
/// let in at two doors, or let in though the server would have refused it). Each
/// stays on screen until a supervisor acknowledges it; polled with the supervisor
/// views, one acknowledgement in flight at a time.
public struct ConflictAlerts: Sendable {
    /// Not yet acknowledged, newest first: the top one is what `a` acknowledges.
    public private(set) var open: [ScanConflict] = []
    public var poll: PollSchedule
    /// The last poll failed; the alerts shown may be out of date.
    public var lastError: String?
    /// The server has no ListConflicts (an older server): no alerts, no polling.
    public var unsupported = false
    /// The conflict whose acknowledgement is in flight. Only one, so a failed
    /// answer (which names no conflict) is unambiguous.
    public private(set) var acknowledging: Int64?
    /// Acknowledged this session: a poll answer that left before the acknowledgement
    /// landed must not bring them back.
    private var acknowledged: Set<Int64> = []

    public init(pollInterval: Duration) {
        poll = PollSchedule(interval: pollInterval)
    }

    /// A ListConflicts answer (or its failure).
    mutating func loaded(_ result: Result<[ScanConflict], CallFailure>, at instant: ContinuousClock.Instant) {
        poll.finished(at: instant)
        switch result {
        case .success(let conflicts):
            open = conflicts
                .filter { $0.acknowledgedAt == nil && !acknowledged.contains($0.id) }
                .enumerated()
                .sorted { ($0.element.recordedAt, -$0.offset) > ($1.element.recordedAt, -$1.offset) }
                .map(\.element)
            lastError = nil
        case .failure(let failure) where failure.kind == .unsupported:
            unsupported = true
            open = []
        case .failure(let failure):
            // Keep the alerts: a conflict does not go away because the server is slow.
            lastError = failure.message
        }
    }

    /// `a`: the id to acknowledge (the top alert), or nil when there is none or an
    /// acknowledgement is already on its way.
    mutating func acknowledgeTop() -> Int64? {
        guard acknowledging == nil, let top = open.first else { return nil }
        acknowledging = top.id
        return top.id
    }

    /// The AcknowledgeConflict answer.
    mutating func acknowledged(_ result: Result<ScanConflict, CallFailure>) {
        switch result {
        case .success(let conflict):
            acknowledged.insert(conflict.id)
            open.removeAll { $0.id == conflict.id }
            if acknowledging == conflict.id { acknowledging = nil }
            lastError = nil
        case .failure(let failure):
            // The alert stays; `a` may try again.
            acknowledging = nil
            lastError = "could not acknowledge: \(failure.message)"
        }
    }
}
