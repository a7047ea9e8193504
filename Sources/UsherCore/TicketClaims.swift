import Foundation

/// What a signed ticket code says: which seat, for which event and hall, which
/// issue of the ticket (the serial), and when it is valid.
public struct TicketClaims: Sendable, Hashable {
    public var seatID: String
    public var eventID: String
    public var hallID: String
    /// Changes on every issue and transfer; a code whose serial is not the seat's
    /// current one has been revoked.
    public var serial: Int64
    /// The event's window, whole seconds (the code carries Unix seconds).
    public var validFrom: Date
    public var validUntil: Date

    public init(seatID: String, eventID: String, hallID: String, serial: Int64, validFrom: Date, validUntil: Date) {
        self.seatID = seatID
        self.eventID = eventID
        self.hallID = hallID
        self.serial = serial
        self.validFrom = Date(timeIntervalSince1970: validFrom.timeIntervalSince1970.rounded(.down))
        self.validUntil = Date(timeIntervalSince1970: validUntil.timeIntervalSince1970.rounded(.down))
    }
}
