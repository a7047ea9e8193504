import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// ListHallSeats: the seats of one hall for one event that changed since `since`
    /// (every seat when `since` is 0), in venue order, with the cursor for the next poll.
    ///
    /// - `eventID` nil picks the hall's current event by UsherCore's one rule
    ///   (``CurrentEvent``: the open admission window), read from the same snapshot.
    ///   An explicit event must belong to the hall.
    /// - One REPEATABLE READ READ ONLY transaction, so the rows and the cursor come
    ///   from one snapshot. The cursor is that snapshot's xmin (see migration 2 for why
    ///   `changed_xid >= cursor` can repeat a seat but never miss one). It may run on
    ///   a standby (`--read-url`); a standby's snapshot and xmin follow the primary's
    ///   xids, so the rule holds there too, and across polls that change host.
    /// - A delta is a range scan of `seats_hall_changes`; a poll with nothing new
    ///   reads a single index page.
    /// - Statuses are the stored ones: a lapsed hold stays HELD until the sweeper frees it.
    public func hallSeats(hallID: String, eventID: String?, since: Int64) async throws(StoreError) -> HallSeatsChange {
        guard since >= 0 else {
            throw .invalidInput(InputError(field: "since_revision", problem: "must not be negative"))
        }
        let logger = self.logger
        return try await readTransaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: DatabaseSettings.snapshotReadStatement), logger: logger)
            // The first query takes the snapshot; the cursor and the clock come from it.
            let halls = try await connection.query(
                """
                SELECT name, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS cursor,
                       pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS horizon, pg_is_in_recovery(),
                       now() AS as_of
                FROM halls WHERE hall_id = \(hallID)
                """, logger: logger
            ).collect()
            guard let hall = halls.first else { throw StoreError.notFound("hall \(hallID) does not exist") }
            let (hallName, cursor, horizon, onStandby, asOf) = try hall.decode((String, Int64, Int64, Bool, Date).self)
            // A cursor past every transaction this database has seen: a standby behind
            // the primary that gave it (the primary answers instead), or a database
            // that is not the one that gave it (a restore; a failover that lost the
            // old primary's last ids): load everything again rather than wait forever.
            var since = since
            if since > horizon {
                if onStandby { throw StoreError.unavailable("this standby is behind the seat map's cursor") }
                since = 0
            }

            let resolvedEventID: String
            let eventName: String
            if let eventID {
                let events = try await connection.query(
                    "SELECT event_id, name FROM events WHERE event_id = \(eventID) AND hall_id = \(hallID)",
                    logger: logger
                ).collect()
                guard !events.isEmpty else {
                    throw StoreError.notFound("event \(eventID) does not exist in hall \(hallID)")
                }
                (resolvedEventID, eventName) = try events[0].decode((String, String).self)
            } else {
                let schedule = try await Self.hallEvents(hallID: hallID, on: connection, logger: logger)
                guard let current = schedule.current(at: schedule.asOf).event else {
                    throw StoreError.notFound("hall \(hallID) has no events")
                }
                (resolvedEventID, eventName) = (current.eventID, current.name)
            }

            let rows: PostgresRowSequence
            let sinceNow = since
            if sinceNow == 0 {
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.hallSeatColumns) FROM seats
                    WHERE event_id = \(resolvedEventID) AND hall_id = \(hallID)
                    ORDER BY \(unescaped: Self.hallSeatOrder)
                    """, logger: logger)
            } else {
                // The number travels as text and becomes an xid8 server-side (there is
                // no binary int64 → xid8 cast).
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.hallSeatColumns) FROM seats
                    WHERE event_id = \(resolvedEventID) AND hall_id = \(hallID)
                      AND changed_xid >= \(String(sinceNow))::text::xid8
                    ORDER BY \(unescaped: Self.hallSeatOrder)
                    """, logger: logger)
            }
            var seats: [HallSeat] = []
            for try await (seatID, section, sectionPosition, row, rowPosition, number, statusText, revision)
                in rows.decode((String, String, Int32, String, Int32, Int32, String, Int64).self)
            {
                guard let status = SeatStatus(rawValue: statusText) else {
                    throw StoreError.internalError("unknown seat status \(statusText)")
                }
                seats.append(
                    HallSeat(
                        seatID: seatID, section: section, sectionPosition: Int(sectionPosition), row: row,
                        rowPosition: Int(rowPosition), number: Int(number), status: status, revision: revision))
            }
            return HallSeatsChange(
                hallID: hallID, hallName: hallName, eventID: resolvedEventID, eventName: eventName, seats: seats,
                // Never below the cursor asked with (the promise): a lagging standby's
                // xmin can be, and every change below `since` was delivered already.
                cursor: max(cursor, sinceNow), isComplete: sinceNow == 0, asOf: asOf)
        }
    }

    private static let hallSeatColumns =
        "seat_id, section, section_position, row_label, row_position, seat_number, status, revision"
    /// Venue order: as the venue file lists sections and rows, then by seat number.
    private static let hallSeatOrder = "section_position, section, row_position, row_label, seat_number"
}
