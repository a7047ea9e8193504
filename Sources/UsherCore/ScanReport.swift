import Foundation

/// A scan's answer, in domain terms: what the server decided, with everything a
/// door screen needs to explain it. The store returns it; the client reads it back.
public struct ScanReport: Sendable, Hashable {
    public var verdict: ScanVerdict
    /// The seat the code names; nil for codes that name none.
    public var seat: Seat?
    public var hallName: String?
    public var eventName: String?
    /// When this scan admitted the guest (MarkCheckedIn SUCCESS).
    public var checkedInAt: Date?
    /// True when the server replayed the answer to an earlier attempt of this scan.
    public var replayed: Bool
    /// The idempotency key the scan used (MarkCheckedIn only).
    public var scanID: String?
    /// The `entry_logs` row this call wrote, where known.
    public var logID: Int64?

    public var result: ScanResult { verdict.result }

    public init(
        verdict: ScanVerdict, seat: Seat?, hallName: String?, eventName: String?, checkedInAt: Date?,
        replayed: Bool, scanID: String?, logID: Int64? = nil
    ) {
        self.verdict = verdict
        self.seat = seat
        self.hallName = hallName
        self.eventName = eventName
        self.checkedInAt = checkedInAt
        self.replayed = replayed
        self.scanID = scanID
        self.logID = logID
    }
}
