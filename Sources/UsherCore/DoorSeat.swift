import Foundation

/// A seat as an offline door keeps it: enough to decide a scan, and no owner (a door
/// never holds personal data). Synced from the server by cursor (``DoorSync``).
public struct DoorSeat: Sendable, Hashable {
    public var seatID: String
    public var eventID: String
    /// Where the seat is, so an offline verdict still sends the guest to it.
    public var section: String
    public var row: String
    public var number: Int
    public var status: SeatStatus
    /// The serial of the seat's current ticket: a code with another one was revoked
    /// (transferred). This is how revocations reach a door.
    public var ticketSerial: Int64
    /// Set while HELD.
    public var heldUntil: Date?
    /// Set while CHECKED_IN: the first admission (the admitted set).
    public var checkIn: CheckIn?
    /// The seat's own revision; a newer row replaces an older one.
    public var revision: Int64
    /// Set while the checked-in guest has stepped out (``Seat/outsideSince``).
    public var outsideSince: Date?

    public init(
        seatID: String, eventID: String, section: String, row: String, number: Int, status: SeatStatus, ticketSerial: Int64, heldUntil: Date? = nil,
        checkIn: CheckIn? = nil, revision: Int64, outsideSince: Date? = nil
    ) {
        self.seatID = seatID
        self.eventID = eventID
        self.section = section
        self.row = row
        self.number = number
        self.status = status
        self.ticketSerial = ticketSerial
        self.heldUntil = heldUntil
        self.checkIn = checkIn
        self.revision = revision
        self.outsideSince = outsideSince
    }

    /// The seat as the verdict rules see it. Owners are not synced, so the state
    /// carries empty ones; no verdict reads them.
    public var state: SeatState {
        switch status {
        case .available: .available
        case .held: .held(by: "", until: heldUntil ?? .distantPast)
        case .sold: .sold(owner: "", orderID: "")
        case .checkedIn:
            checkIn.map { .checkedIn(owner: "", orderID: "", checkIn: $0) } ?? .sold(owner: "", orderID: "")
        }
    }
}
