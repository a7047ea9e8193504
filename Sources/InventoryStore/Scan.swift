import Foundation
import UsherCore

/// A scanned code presented at a door.
public struct ScanRequest: Sendable, Hashable {
    public var ticketCode: String
    /// The hall of the door that scanned.
    public var doorHallID: String
    public var staffID: String
    public var terminalID: String
    /// The terminal's idempotency key (MarkCheckedIn only).
    public var scanID: String?

    public init(ticketCode: String, doorHallID: String, staffID: String, terminalID: String, scanID: String? = nil) {
        self.ticketCode = ticketCode
        self.doorHallID = doorHallID
        self.staffID = staffID
        self.terminalID = terminalID
        self.scanID = scanID
    }
}

/// What a scan decided, with everything a door screen needs to explain it.
public struct ScanOutcome: Sendable {
    public var verdict: ScanVerdict
    /// The seat the code names, as stored after this scan; nil for unknown codes.
    public var seat: Seat?
    public var hallName: String?
    public var eventName: String?
    /// When this scan admitted the guest (SUCCESS of an admission only).
    public var checkedInAt: Date?
    /// True when this is the stored answer to an earlier call with the same scan id.
    public var replayed: Bool
    /// The `entry_logs` row this call wrote.
    public var logID: Int64
}
