import Foundation

/// What the store knows about the seat a ticket code names, read in one query.
public struct ScanSubject: Sendable, Hashable {
    public var seatID: String
    public var hallID: String
    public var eventEndsAt: Date
    public var state: SeatState
    /// The seat's current ticket serial; codes carrying another serial are void.
    public var ticketSerial: Int64

    public init(seatID: String, hallID: String, eventEndsAt: Date, state: SeatState, ticketSerial: Int64) {
        self.seatID = seatID
        self.hallID = hallID
        self.eventEndsAt = eventEndsAt
        self.state = state
        self.ticketSerial = ticketSerial
    }
}

/// The outcome of looking a scanned code up: the input to ``ScanVerdict/decide(_:doorHallID:now:action:)``.
public enum TicketLookup: Sendable, Hashable {
    /// The code could not be read as a ticket (parse or signature failure).
    case unreadable(ScanReason)
    /// The code is well-formed but names no seat we have.
    case unknownSeat
    /// The code names this seat; `codeSerial` is the serial the code carries, if any.
    case found(ScanSubject, codeSerial: Int64?)
}
