import Foundation

/// An offline admission the server could not confirm: the ticket had already been
/// admitted (at another door, online or offline), or the server would have refused
/// it. A first-class record that supervisors see until one acknowledges it.
public struct ScanConflict: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var seatID: String
    public var hallID: String
    public var eventID: String
    /// The admission that stands, when there is one (a DUPLICATE conflict).
    public var first: CheckIn?
    /// The offline admission, by the server's clock (the door's, corrected).
    public var offlineAt: Date
    public var offlineTerminalID: String
    /// What the server decided for the offline scan.
    public var serverReason: ScanReason
    /// "Seat B-12: admitted at door-2 19:03 (offline) and door-5 19:04".
    public var message: String
    public var recordedAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    /// The offline scan's id.
    public var scanID: String

    public var serverResult: ScanResult { serverReason.result }

    public init(
        id: Int64, seatID: String, hallID: String, eventID: String, first: CheckIn?, offlineAt: Date,
        offlineTerminalID: String, serverReason: ScanReason, message: String, recordedAt: Date,
        acknowledgedAt: Date? = nil, acknowledgedBy: String? = nil, scanID: String
    ) {
        self.id = id
        self.seatID = seatID
        self.hallID = hallID
        self.eventID = eventID
        self.first = first
        self.offlineAt = offlineAt
        self.offlineTerminalID = offlineTerminalID
        self.serverReason = serverReason
        self.message = message
        self.recordedAt = recordedAt
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.scanID = scanID
    }

    /// The sentence supervisors read, built in one place for the server to store.
    public static func message(
        seatID: String, offlineTerminalID: String, offlineAt: Date, first: CheckIn?, serverVerdict: ScanVerdict,
        in zone: TimeZone
    ) -> String {
        let offline = "\(offlineTerminalID) \(Timestamps.clock(offlineAt, in: zone)) (offline)"
        if let first {
            return "Seat \(seatID): admitted at \(first.terminalID) \(Timestamps.clock(first.at, in: zone)) "
                + "and \(offline)"
        }
        return "Seat \(seatID): admitted at \(offline), but the server says \(serverVerdict.result.rawValue): "
            + serverVerdict.message
    }

    /// The other way round: the server admitted a scan whose answer was lost, and the
    /// door, deciding the same scan offline, showed `shown`: the ticket holder may
    /// have been sent away, and will be DUPLICATE if they come back.
    public static func turnedAwayMessage(
        seatID: String, admission: CheckIn, shown: ScanResult, offlineAt: Date, in zone: TimeZone
    ) -> String {
        "Seat \(seatID): admitted by the server for \(admission.terminalID) \(Timestamps.clock(admission.at, in: zone)), "
            + "but the door showed \(shown.rawValue) offline at \(Timestamps.clock(offlineAt, in: zone)): "
            + "the guest may have been turned away"
    }
}
