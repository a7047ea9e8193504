import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// SyncDoor: what a door needs to decide scans offline — the verification keys,
    /// the hall's events, and the seats of the hall's events that have not ended,
    /// changed since `since` — with the cursor for the next call and the database's clock.
    ///
    /// - One REPEATABLE READ READ ONLY transaction, so seats, events and the cursor
    ///   come from one snapshot; the cursor is that snapshot's xmin, exactly as for
    ///   ListHallSeats (migration 2 says why `changed_xid >= cursor` can repeat a seat
    ///   but never miss one).
    /// - Seats of ended events are not sent: their codes are EXPIRED by the window
    ///   before any seat is read, and a hall's past shows would otherwise grow every
    ///   door's copy without end. A delta is one range of `seats_hall_changes` per
    ///   live event (the index the seat map polls); nothing new reads one page each.
    /// - No owner ids leave the server: a door keeps status, serial and first check-in.
    /// - Keys come from the server's keyring (the same answer as GetVerificationKeys).
    public func doorSync(hallID: String, since: Int64) async throws(StoreError) -> DoorSync {
        guard since >= 0 else { throw .invalidInput(InputError(field: "since", problem: "must not be negative")) }
        let logger = self.logger
        let keys = keyring.verificationKeys
        return try await transaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: DatabaseSettings.snapshotReadStatement), logger: logger)
            // The first query takes the snapshot; the cursor comes from it.
            let cursorRows = try await connection.query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", logger: logger
            ).collect()
            guard let cursor = try cursorRows.first?.decode(Int64.self) else {
                throw StoreError.internalError("no snapshot cursor")
            }
            let schedule = try await Self.hallEvents(hallID: hallID, on: connection, logger: logger)
            let live = schedule.events.filter { $0.endsAt > schedule.asOf }.map(\.eventID)
            // The number travels as text and becomes an xid8 server-side (there is no
            // binary int64 → xid8 cast); 0 is below every transaction id.
            let rows = try await connection.query(
                """
                SELECT seat_id, event_id, section, row_label, seat_number, status, ticket_serial, held_until, checked_in_at,
                       checked_in_terminal_id, checked_in_staff_id, revision, outside_since
                FROM seats
                WHERE event_id = ANY(\(live)) AND hall_id = \(hallID) AND changed_xid >= \(String(since))::text::xid8
                """, logger: logger)
            var seats: [DoorSeat] = []
            for try await (
                seatID, eventID, section, row, number, statusText, serial, heldUntil, checkedInAt, terminalID, staffID, revision,
                outsideSince
            ) in rows.decode((String, String, String, String, Int, String, Int64, Date?, Date?, String?, String?, Int64, Date?).self)
            {
                guard let status = SeatStatus(rawValue: statusText) else {
                    throw StoreError.internalError("unknown seat status \(statusText)")
                }
                let checkIn = checkedInAt.map { CheckIn(at: $0, terminalID: terminalID ?? "", staffID: staffID ?? "") }
                seats.append(
                    DoorSeat(
                        seatID: seatID, eventID: eventID, section: section, row: row, number: number, status: status, ticketSerial: serial, heldUntil: heldUntil,
                        checkIn: checkIn, revision: revision, outsideSince: outsideSince))
            }
            return DoorSync(
                hallID: hallID, hallName: schedule.hallName, keys: keys, events: schedule.events, seats: seats,
                cursor: cursor, isComplete: since == 0, serverTime: schedule.asOf)
        }
    }
}
