import Foundation

/// What the store knows about the seat a ticket code names, read in one query.
public struct ScanSubject: Sendable, Hashable {
    public var seatID: String
    /// The seat's event, with its hall and admission window.
    public var event: EventWindow
    public var state: SeatState
    /// The seat's current ticket serial; codes carrying another serial are void.
    public var ticketSerial: Int64
    /// Set while the checked-in guest has stepped out (``Seat/outsideSince``).
    public var outsideSince: Date?

    public var hallID: String { event.hallID }

    public init(seatID: String, event: EventWindow, state: SeatState, ticketSerial: Int64, outsideSince: Date? = nil) {
        self.seatID = seatID
        self.event = event
        self.state = state
        self.ticketSerial = ticketSerial
        self.outsideSince = outsideSince
    }
}

/// The outcome of looking a scanned code up: the input to ``ScanVerdict/decide(_:at:now:action:)``.
public enum TicketLookup: Sendable, Hashable {
    /// The code could not be read as a ticket (parse or signature failure).
    case unreadable(ScanReason)
    /// The code is well-formed but names no seat we have.
    case unknownSeat
    /// The code names this seat; `codeSerial` is the serial the code carries, if any.
    case found(ScanSubject, codeSerial: Int64?)
}
