import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// GetHallOccupancy: per event (every event, or only `eventID`), the hall's
    /// capacity, its seats by stored status, who is inside now (admitted and not
    /// scanned out), successful admissions in each of the last ``HallOccupancy/window``
    /// minutes, and each door's entries and exits over them.
    ///
    /// - One REPEATABLE READ READ ONLY transaction: counts, arrivals and `asOf` (the
    ///   database's now()) describe one moment. It may run on a standby (`--read-url`).
    /// - Events without seats are listed with zeros. Order: start time, hall name, event id.
    /// - Admissions are original ADMIT/SUCCESS rows of `entry_logs`: replays of a scan
    ///   id, DUPLICATE scans and annulled admissions are not counted. The window is read through
    ///   `entry_logs_scanned_at`, so the cost follows the last 15 minutes' scans, not
    ///   the whole log.
    /// - An explicit `eventID` that does not exist is `.notFound`.
    public func hallOccupancy(eventID: String?) async throws(StoreError) -> OccupancyReport {
        let logger = self.logger
        let window = HallOccupancy.window
        return try await readTransaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: DatabaseSettings.snapshotReadStatement), logger: logger)
            // Counts per event come from the (event_id, status) index; halls and events are small.
            let eventRows = try await connection.query(
                """
                WITH counts AS (
                    SELECT event_id,
                           count(*) AS capacity,
                           count(*) FILTER (WHERE status = 'AVAILABLE') AS available,
                           count(*) FILTER (WHERE status = 'HELD') AS held,
                           count(*) FILTER (WHERE status = 'SOLD') AS sold,
                           count(*) FILTER (WHERE status = 'CHECKED_IN') AS checked_in,
                           count(*) FILTER (WHERE status = 'CHECKED_IN' AND outside_since IS NULL) AS inside_now
                    FROM seats
                    WHERE \(eventID)::text IS NULL OR event_id = \(eventID)
                    GROUP BY event_id
                )
                SELECT e.hall_id, h.name AS hall_name, e.event_id, e.name AS event_name, e.doors_at, e.starts_at,
                       e.ends_at,
                       coalesce(c.capacity, 0) AS capacity, coalesce(c.available, 0) AS available,
                       coalesce(c.held, 0) AS held, coalesce(c.sold, 0) AS sold,
                       coalesce(c.checked_in, 0) AS checked_in, coalesce(c.inside_now, 0) AS inside_now, now() AS as_of
                FROM events e
                JOIN halls h ON h.hall_id = e.hall_id
                LEFT JOIN counts c ON c.event_id = e.event_id
                WHERE \(eventID)::text IS NULL OR e.event_id = \(eventID)
                ORDER BY e.starts_at, h.name, e.event_id
                """, logger: logger
            ).collect()
            if let eventID, eventRows.isEmpty { throw StoreError.notFound("event \(eventID) does not exist") }
            var asOf: Date?
            var halls: [HallOccupancy] = []
            var index: [String: Int] = [:]
            for row in eventRows {
                let r = row.makeRandomAccess()
                let event = try r["event_id"].decode(String.self)
                asOf = try r["as_of"].decode(Date.self)
                index[event] = halls.count
                halls.append(
                    HallOccupancy(
                        hallID: try r["hall_id"].decode(String.self), hallName: try r["hall_name"].decode(String.self),
                        eventID: event, eventName: try r["event_name"].decode(String.self),
                        doorsAt: try r["doors_at"].decode(Date.self), startsAt: try r["starts_at"].decode(Date.self),
                        endsAt: try r["ends_at"].decode(Date.self),
                        capacity: Int(try r["capacity"].decode(Int64.self)),
                        available: Int(try r["available"].decode(Int64.self)),
                        held: Int(try r["held"].decode(Int64.self)),
                        sold: Int(try r["sold"].decode(Int64.self)),
                        checkedIn: Int(try r["checked_in"].decode(Int64.self)),
                        admissionsPerMinute: Array(repeating: 0, count: window),
                        insideNow: Int(try r["inside_now"].decode(Int64.self))))
            }

            // Sliding one-minute buckets ending at now(): minute 0 is (now-1m, now].
            // A scan stamped a moment after this transaction's now() (it began between
            // our BEGIN and our snapshot) counts in the last minute.
            let arrivals = try await connection.query(
                """
                SELECT s.event_id,
                       least(\(Int32(window - 1)),
                             greatest(0, floor(extract(epoch FROM now() - l.scanned_at) / 60)))::int4 AS minutes_ago,
                       count(*) AS admissions
                FROM entry_logs l
                JOIN seats s ON s.seat_id = l.seat_id
                WHERE l.scanned_at > now() - make_interval(mins => \(Int32(window)))
                  AND l.action = 'ADMIT' AND l.result = 'SUCCESS' AND l.replay_of IS NULL AND l.reason <> 're-entry'
                  AND NOT EXISTS (SELECT 1 FROM annulments a WHERE a.admission_log_id = l.log_id)
                  AND (\(eventID)::text IS NULL OR s.event_id = \(eventID))
                GROUP BY 1, 2
                """, logger: logger)
            for try await (event, minutesAgo, admissions) in arrivals.decode((String, Int32, Int64).self) {
                guard let i = index[event] else { continue }  // cannot happen: seats reference events
                halls[i].admissionsPerMinute[window - 1 - Int(minutesAgo)] += Int(admissions)
            }
            // Per door: who came in (admissions, re-entries, overrides; not undone ones)
            // and who went out, over the same window, through `entry_logs_flow`.
            let flows = try await connection.query(
                """
                SELECT s.event_id, l.terminal_id,
                       count(*) FILTER (WHERE l.action = 'ADMIT') AS entries,
                       count(*) FILTER (WHERE l.action = 'EXIT') AS exits
                FROM entry_logs l
                JOIN seats s ON s.seat_id = l.seat_id
                WHERE l.scanned_at > now() - make_interval(mins => \(Int32(window)))
                  AND l.action IN ('ADMIT', 'EXIT') AND l.result = 'SUCCESS' AND l.replay_of IS NULL
                  AND NOT EXISTS (SELECT 1 FROM annulments a WHERE a.admission_log_id = l.log_id)
                  AND (\(eventID)::text IS NULL OR s.event_id = \(eventID))
                GROUP BY 1, 2
                ORDER BY count(*) DESC, l.terminal_id
                """, logger: logger)
            for try await (event, terminal, entries, exits) in flows.decode((String, String, Int64, Int64).self) {
                guard let i = index[event] else { continue }
                halls[i].doorFlows.append(DoorFlow(terminalID: terminal, entries: Int(entries), exits: Int(exits)))
            }
            if asOf == nil { asOf = try await databaseNow(on: connection, logger: logger) }
            return OccupancyReport(halls: halls, asOf: asOf ?? Date())
        }
    }
}

/// The database's clock, for a report that found no row to take it from.
private func databaseNow(on connection: PostgresConnection, logger: Logger) async throws -> Date {
    let rows = try await connection.query("SELECT now() AS db_now", logger: logger).collect()
    guard let row = rows.first else { throw StoreError.internalError("now() returned no row") }
    return try row.makeRandomAccess()["db_now"].decode(Date.self)
}
