import Foundation
import PostgresNIO
import UsherCore

/// A sold ticket as printed: its owner and the claims its code signs.
public struct SoldTicket: Sendable, Hashable {
    public var ownerUserID: String
    public var claims: TicketClaims
}

extension InventoryStore {
    /// Every sold ticket of an event (SOLD or already CHECKED_IN), by seat id.
    /// Throws `.invalidInput` for an unknown event.
    public func soldTickets(eventID: String) async throws(StoreError) -> [SoldTicket] {
        let logger = self.logger
        var store = self
        store.callTimeout = .seconds(60)  // a big event is a big read
        return try await store.transaction { connection in
            let events = try await connection.query(
                "SELECT hall_id, doors_at, ends_at FROM events WHERE event_id = \(eventID)", logger: logger
            ).collect()
            guard let event = events.first else {
                throw StoreError.invalidInput(InputError(field: "event", problem: "\(eventID) does not exist"))
            }
            let (hallID, doorsAt, endsAt) = try event.decode((String, Date, Date).self)
            let rows = try await connection.query(
                """
                SELECT seat_id, owner_user_id, ticket_serial FROM seats
                WHERE event_id = \(eventID) AND status IN ('SOLD', 'CHECKED_IN')
                ORDER BY seat_id
                """, logger: logger)
            var tickets: [SoldTicket] = []
            for try await (seatID, owner, serial) in rows.decode((String, String, Int64).self) {
                tickets.append(
                    SoldTicket(
                        ownerUserID: owner,
                        claims: TicketClaims(
                            seatID: seatID, eventID: eventID, hallID: hallID, serial: serial,
                            validFrom: doorsAt, validUntil: endsAt)))
            }
            return tickets
        }
    }
}

extension InventoryStore {
    /// The claims of `seatID`'s current ticket (whatever the seat's state), for
    /// reprinting one ticket.
    public func currentTicket(seatID: String) async throws(StoreError) -> SoldTicket {
        let logger = self.logger
        return try await transaction(seatID: seatID) { connection in
            let rows = try await connection.query(
                """
                SELECT s.seat_id, s.event_id, s.hall_id, s.ticket_serial,
                       coalesce(s.owner_user_id, '') AS owner, e.doors_at, e.ends_at
                FROM seats s JOIN events e ON e.event_id = s.event_id
                WHERE s.seat_id = \(seatID)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw StoreError.seatNotFound(seatID: seatID) }
            let (seat, event, hall, serial, owner, doorsAt, endsAt) =
                try row.decode((String, String, String, Int64, String, Date, Date).self)
            return SoldTicket(
                ownerUserID: owner,
                claims: TicketClaims(
                    seatID: seat, eventID: event, hallID: hall, serial: serial, validFrom: doorsAt, validUntil: endsAt))
        }
    }
}
