import Foundation

/// A seat as every layer sees it: where it is, and its ``SeatState``.
public struct Seat: Sendable, Hashable {
    public var seatID: String
    public var eventID: String
    public var hallID: String
    public var section: String
    public var row: String
    public var number: Int
    public var state: SeatState
    public var updatedAt: Date
    /// Grows with every change; optimistic writers compare it.
    public var revision: Int64
    /// Changes on every ticket issue and transfer; codes with another serial are void.
    public var ticketSerial: Int64
    /// The caller's id for the transfer that made the current owner the owner, if it
    /// gave one: a retry of that transfer is recognised by it.
    public var lastTransferID: String?
    /// Set while a checked-in guest has stepped out (an exit scan, on an event with
    /// re-entry): since when. Their next entry scan is a re-entry, not a DUPLICATE.
    public var outsideSince: Date?

    public init(
        seatID: String, eventID: String, hallID: String, section: String, row: String, number: Int,
        state: SeatState, updatedAt: Date, revision: Int64, ticketSerial: Int64, lastTransferID: String? = nil,
        outsideSince: Date? = nil
    ) {
        self.seatID = seatID
        self.eventID = eventID
        self.hallID = hallID
        self.section = section
        self.row = row
        self.number = number
        self.state = state
        self.updatedAt = updatedAt
        self.revision = revision
        self.ticketSerial = ticketSerial
        self.lastTransferID = lastTransferID
        self.outsideSince = outsideSince
    }

    /// Checked in and not stepped out.
    public var isInside: Bool { status == .checkedIn && outsideSince == nil }

    public var status: SeatStatus { state.status }
}
