import Foundation
import Logging
import PostgresNIO
import UsherCore

/// Signs a seat's current ticket: its ids, its serial and its event's window.
enum TicketIssue {
    /// The code for effects that hand a ticket to someone (a sale, a transfer, or a
    /// repeat of either); nil for every other effect.
    static func code(
        for seat: Seat, effect: SeatState.Effect, keyring: TicketKeyring,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        switch effect {
        case .sold, .alreadySold, .ownerChanged, .alreadyTransferred: break
        default: return nil
        }
        let rows = try await connection.query(
            "SELECT doors_at, ends_at FROM events WHERE event_id = \(seat.eventID)", logger: logger
        ).collect()
        guard let row = rows.first else { throw StoreError.internalError("seat \(seat.seatID) has no event") }
        // The admission window (doors → ends), so a terminal checking offline sees the
        // window the server sees.
        let (doorsAt, endsAt) = try row.decode((Date, Date).self)
        let claims = TicketClaims(
            seatID: seat.seatID, eventID: seat.eventID, hallID: seat.hallID, serial: seat.ticketSerial,
            validFrom: doorsAt, validUntil: endsAt)
        do {
            return try TicketCode.issue(claims, keyring: keyring)
        } catch {
            throw StoreError.internalError("cannot sign tickets: \(error)")
        }
    }
}
