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
    /// Set when the door decided this scan itself, from its local store, because the
    /// server was out of reach; nil for a server's answer.
    public var offline: OfflineMark?
    /// Set when the server recorded this uploaded offline scan as a ``ScanConflict``.
    public var conflictID: Int64?

    public var result: ScanResult { verdict.result }

    public init(
        verdict: ScanVerdict, seat: Seat?, hallName: String?, eventName: String?, checkedInAt: Date?,
        replayed: Bool, scanID: String?, logID: Int64? = nil, offline: OfflineMark? = nil,
        conflictID: Int64? = nil
    ) {
        self.verdict = verdict
        self.seat = seat
        self.hallName = hallName
        self.eventName = eventName
        self.checkedInAt = checkedInAt
        self.replayed = replayed
        self.scanID = scanID
        self.logID = logID
        self.offline = offline
        self.conflictID = conflictID
    }
}

/// How an offline verdict was reached, for the marker drawn with it.
public struct OfflineMark: Sendable, Hashable {
    /// The code verified but the local store did not know its seat (sold after the
    /// last sync): admitted on the code's own signed claims.
    public var seatUnsynced: Bool

    public init(seatUnsynced: Bool) {
        self.seatUnsynced = seatUnsynced
    }
}
