import Foundation
import UsherCore

/// A scanned code presented at a door.
public struct ScanRequest: Sendable, Hashable {
    public var ticketCode: String
    /// The hall of the door that scanned.
    public var doorHallID: String
    /// The event a pinned door admits (`scan-tui --event`); nil admits the hall's open windows.
    public var doorEventID: String?
    public var staffID: String
    public var terminalID: String
    /// The terminal's idempotency key (MarkCheckedIn only), bound to the code on first use.
    public var scanID: String?
    /// In (an admission, or a re-entry) or out (an exit scan; MarkCheckedIn only).
    public var direction: ScanDirection = .entry
    /// Set (and `ticketCode` empty) when a door admits a seat it found by search: a
    /// guest without a code. The scan id is bound to the seat as to a code.
    public var seatID: String?

    public init(
        ticketCode: String, doorHallID: String, doorEventID: String? = nil, staffID: String, terminalID: String,
        scanID: String? = nil
    ) {
        self.ticketCode = ticketCode
        self.doorHallID = doorHallID
        self.doorEventID = doorEventID
        self.staffID = staffID
        self.terminalID = terminalID
        self.scanID = scanID
    }

    /// Where the verdict is decided for: messages name times in the server's zone,
    /// which is the venue's (set TZ for the server).
    var door: DoorPost { DoorPost(hallID: doorHallID, eventID: doorEventID, timeZone: .current) }

    /// The code's SHA-256 (a searched seat's: of "seat:" and its id), which a scan id is bound to.
    var codeDigest: Data { Data(TicketCode.digest(seatID.map { "seat:" + $0 } ?? ticketCode)) }
}
