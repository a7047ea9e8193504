import Foundation
import Logging
import PostgresNIO
import UsherCore

/// What an import changed.
public struct VenueImportSummary: Sendable, CustomStringConvertible {
    public var halls: Int
    public var events: Int
    public var seatsAdded: Int
    public var seatsKept: Int
    public var presetsApplied: Int = 0
    /// Events of one hall whose admission windows overlap, stored ones included
    /// (see ``EventWindow/overlapping(_:)``).
    public var overlaps: [(EventWindow, EventWindow)] = []

    public var description: String {
        "\(halls) halls, \(events) events, \(seatsAdded) seats added, \(seatsKept) already present"
            + (presetsApplied > 0 ? ", \(presetsApplied) seat states preset" : "")
    }

    /// One line per overlap, for the operator.
    public var warnings: [String] {
        overlaps.map { first, second in
            "warning: in hall \(first.hallID), the windows of \(first.eventID) and \(second.eventID) overlap "
                + "(doors \(Timestamps.utc(second.doorsAt)) is before \(first.eventID) ends \(Timestamps.utc(first.endsAt))); "
                + "a door there must be pinned with scan-tui --event"
        }
    }
}

extension InventoryStore {
    /// Sets a preset state on a seat that was never touched (AVAILABLE, serial 0,
    /// revision 1). Returns false when the seat has a history of its own.
    private static func apply(_ preset: VenueFile.Preset, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var status = "SOLD", owner: String?, holder: String?, heldUntil: Date?, serial: Int64 = 1
        var checkedInAt: Date?, terminal: String?
        switch preset.state {
        case .held(let by, let until):
            (status, holder, heldUntil, serial) = ("HELD", by, until, 0)
        case .sold(let buyer):
            owner = buyer
        case .transferred(_, let to):
            (owner, serial) = (to, 2)
        case .checkedIn(let buyer, let at, let door):
            (status, owner, checkedInAt, terminal) = ("CHECKED_IN", buyer, at, door)
        }
        let rows = try await connection.query(
            """
            UPDATE seats SET status = \(status), owner_user_id = \(owner), held_by_user_id = \(holder),
                             held_until = \(heldUntil), order_id = \(owner == nil ? nil : "preset"),
                             ticket_serial = \(serial), checked_in_at = \(checkedInAt),
                             checked_in_terminal_id = \(terminal), checked_in_staff_id = \(terminal == nil ? nil : "preset"),
                             revision = revision + 1, updated_at = now()
            WHERE seat_id = \(preset.seatID) AND status = 'AVAILABLE' AND ticket_serial = 0 AND revision = 1
            RETURNING seat_id
            """, logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// Loads a venue in one transaction. Re-importing is safe: halls and events are
    /// updated in place, seats that exist keep their state (their sales stay) and only
    /// get their layout positions corrected, new ones are added. An event cannot move
    /// to another hall once it has seats.
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
                    INSERT INTO events (event_id, hall_id, name, doors_at, starts_at, ends_at, reentry)
                    VALUES (\(event.id), \(event.hallID), \(event.name), \(event.doorsAt), \(event.startsAt),
                            \(event.endsAt), \(event.reentry))
                    ON CONFLICT (event_id) DO UPDATE
                    SET name = EXCLUDED.name, doors_at = EXCLUDED.doors_at, starts_at = EXCLUDED.starts_at,
                        ends_at = EXCLUDED.ends_at, reentry = EXCLUDED.reentry
                    """, logger: logger)
            }
            // One statement for all seats: arrays bound as parameters, unnested server-side.
            let seatIDs = venue.seats.map(\.seatID)
            let sectionPositions = venue.seats.map { Int32(clamping: $0.sectionPosition) }
            let rowPositions = venue.seats.map { Int32(clamping: $0.rowPosition) }
            let rows = try await connection.query(
                """
                INSERT INTO seats (seat_id, event_id, hall_id, section, row_label, seat_number,
                                   section_position, row_position)
                SELECT * FROM unnest(\(seatIDs)::text[], \(venue.seats.map(\.eventID))::text[],
                                     \(venue.seats.map(\.hallID))::text[], \(venue.seats.map(\.section))::text[],
                                     \(venue.seats.map(\.row))::text[], \(venue.seats.map { Int32($0.number) })::int4[],
                                     \(sectionPositions)::int4[], \(rowPositions)::int4[])
                ON CONFLICT (seat_id) DO NOTHING
                RETURNING seat_id
                """, logger: logger
            ).collect()
            // Seats that were already there: fix their place in the layout, nothing
            // else (their sales stay). A separate UPDATE, not ON CONFLICT DO UPDATE:
            // that would lock every existing seat, this locks only those that move
            // (and with the weaker NO KEY UPDATE lock, so door scans are not blocked).
            try await connection.query(
                """
                UPDATE seats s SET section_position = v.section_position, row_position = v.row_position
                FROM unnest(\(seatIDs)::text[], \(sectionPositions)::int4[], \(rowPositions)::int4[])
                     AS v (seat_id, section_position, row_position)
                WHERE s.seat_id = v.seat_id
                  AND (s.section_position, s.row_position) IS DISTINCT FROM (v.section_position, v.row_position)
                """, logger: logger)
            var applied = 0
            for preset in venue.presets {
                applied += try await Self.apply(preset, on: connection, logger: logger) ? 1 : 0
            }
            // Overlaps among every event of the halls this file touches, stored ones
            // included: a file that adds one show to a hall must still warn.
            var windows: [EventWindow] = []
            for hallID in Set(venue.events.map(\.hallID)).sorted() {
                windows += try await Self.hallEvents(hallID: hallID, on: connection, logger: logger).events
            }
            return VenueImportSummary(
                halls: venue.halls.count, events: venue.events.count,
                seatsAdded: rows.count, seatsKept: venue.seats.count - rows.count, presetsApplied: applied,
                overlaps: EventWindow.overlapping(windows))
        }
    }
}
