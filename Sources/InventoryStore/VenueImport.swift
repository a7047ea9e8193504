import Foundation
import PostgresNIO
import UsherCore

/// What an import changed.
public struct VenueImportSummary: Sendable, Hashable, CustomStringConvertible {
    public var halls: Int
    public var events: Int
    public var seatsAdded: Int
    public var seatsKept: Int

    public var description: String {
        "\(halls) halls, \(events) events, \(seatsAdded) seats added, \(seatsKept) already present"
    }
}

extension InventoryStore {
    /// Loads a venue in one transaction. Re-importing is safe: halls and events are
    /// updated in place, seats that exist are left alone (their sales stay), new ones
    /// are added. An event cannot move to another hall once it has seats.
    public func importVenue(_ venue: VenueFile) async throws(StoreError) -> VenueImportSummary {
        let logger = self.logger
        var store = self
        store.callTimeout = .seconds(120)  // a large venue is a large insert
        return try await store.transaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: DatabaseSettings.longTransactionStatement), logger: logger)
            for hall in venue.halls {
                try await connection.query(
                    """
                    INSERT INTO halls (hall_id, name) VALUES (\(hall.id), \(hall.name))
                    ON CONFLICT (hall_id) DO UPDATE SET name = EXCLUDED.name
                    """, logger: logger)
            }
            for event in venue.events {
                let moved = try await connection.query(
                    "SELECT hall_id FROM events WHERE event_id = \(event.id) AND hall_id <> \(event.hallID)",
                    logger: logger
                ).collect()
                if !moved.isEmpty {
                    throw StoreError.invalidInput(
                        InputError(field: "event \(event.id) hall", problem: "differs from the stored event's hall"))
                }
                try await connection.query(
                    """
                    INSERT INTO events (event_id, hall_id, name, starts_at, ends_at)
                    VALUES (\(event.id), \(event.hallID), \(event.name), \(event.startsAt), \(event.endsAt))
                    ON CONFLICT (event_id) DO UPDATE
                    SET name = EXCLUDED.name, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at
                    """, logger: logger)
            }
            // One statement for all seats: arrays bound as parameters, unnested server-side.
            let rows = try await connection.query(
                """
                INSERT INTO seats (seat_id, event_id, hall_id, section, row_label, seat_number)
                SELECT * FROM unnest(\(venue.seats.map(\.seatID))::text[], \(venue.seats.map(\.eventID))::text[],
                                     \(venue.seats.map(\.hallID))::text[], \(venue.seats.map(\.section))::text[],
                                     \(venue.seats.map(\.row))::text[], \(venue.seats.map { Int32($0.number) })::int4[])
                ON CONFLICT (seat_id) DO NOTHING
                RETURNING seat_id
                """, logger: logger
            ).collect()
            return VenueImportSummary(
                halls: venue.halls.count, events: venue.events.count,
                seatsAdded: rows.count, seatsKept: venue.seats.count - rows.count)
        }
    }
}
