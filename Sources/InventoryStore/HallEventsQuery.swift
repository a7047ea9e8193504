import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// ListHallEvents: every event of a hall with its window, so a door can name the
    /// hall's current event (and, later, check windows offline) by the same rule the
    /// server uses. A hall has a handful of events: one indexed read.
    public func hallEvents(hallID: String) async throws(StoreError) -> HallSchedule {
        let logger = self.logger
        return try await transaction { connection in
            try await Self.hallEvents(hallID: hallID, on: connection, logger: logger)
        }
    }

    /// The same read inside another transaction (ListHallSeats picks its event with it).
    static func hallEvents(hallID: String, on connection: PostgresConnection, logger: Logger) async throws -> HallSchedule {
        let halls = try await connection.query(
            "SELECT name, now() AS as_of FROM halls WHERE hall_id = \(hallID)", logger: logger
        ).collect()
        guard let hall = halls.first else { throw StoreError.notFound("hall \(hallID) does not exist") }
        let (hallName, asOf) = try hall.decode((String, Date).self)
        var events: [EventWindow] = []
        let rows = try await connection.query(
            """
            SELECT event_id, name, doors_at, starts_at, ends_at FROM events
            WHERE hall_id = \(hallID) ORDER BY doors_at, event_id
            """, logger: logger)
        for try await (eventID, name, doorsAt, startsAt, endsAt) in rows.decode((String, String, Date, Date, Date).self) {
            events.append(
                EventWindow(eventID: eventID, hallID: hallID, name: name, doorsAt: doorsAt, startsAt: startsAt, endsAt: endsAt))
        }
        return HallSchedule(hallID: hallID, hallName: hallName, events: events, asOf: asOf)
    }
}
