import Foundation
import GRDB
import UsherCore

/// What one applied SyncDoor answer did.
public struct SyncSummary: Sendable, Hashable {
    public var cursor: Int64
    public var isComplete: Bool
    /// Seats the store holds after the sync.
    public var seatCount: Int
    /// Seat rows this sync inserted or replaced; a delta's row older than the stored
    /// one is skipped and not counted.
    public var changed: Int

    public init(cursor: Int64, isComplete: Bool, seatCount: Int, changed: Int) {
        self.cursor = cursor
        self.isComplete = isComplete
        self.seatCount = seatCount
        self.changed = changed
    }
}

extension DoorStore {
    /// Applies one SyncDoor answer in ONE transaction, so a door never decides against
    /// half a sync: keys and events replaced whole; seats replaced whole by a complete
    /// sync, upserted by a delta (a stored row with a newer revision stays: answers
    /// can cross); the cursor, hall name, server time and the caller's `syncedAt` and
    /// `clockSkew` (terminal clock minus server clock, seconds) saved.
    ///
    /// The cursor never goes down: a delta keeps the larger of the stored and the
    /// received one; a complete sync sets it. The journal is not touched.
    public func apply(_ sync: DoorSync, syncedAt: Date, clockSkew: TimeInterval) throws(DoorStoreError)
        -> SyncSummary
    {
        try writing("apply a sync") { db in
            let previous = try Row.fetchOne(db, sql: "SELECT hall_id, cursor FROM sync_state WHERE id = 1")
            var cursor = sync.cursor
            if let previous {
                let storedHall: String = try previous.decode(forColumn: "hall_id")
                guard storedHall == sync.hallID else {
                    throw DoorStoreError.hallMismatch(stored: storedHall, received: sync.hallID)
                }
                if !sync.isComplete { cursor = max(cursor, try previous.decode(forColumn: "cursor")) }
            }
            try Self.replaceKeys(sync.keys, db)
            try Self.replaceEvents(sync.events, db)
            if sync.isComplete { try db.execute(sql: "DELETE FROM seats") }
            let changed = try Self.upsertSeats(sync.seats, db)
            try db.execute(
                sql: """
                    INSERT INTO sync_state (id, hall_id, hall_name, cursor, server_time, synced_at, clock_skew)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        hall_id = excluded.hall_id, hall_name = excluded.hall_name, cursor = excluded.cursor,
                        server_time = excluded.server_time, synced_at = excluded.synced_at,
                        clock_skew = excluded.clock_skew
                    """,
                arguments: [
                    sync.hallID, sync.hallName, cursor, sync.serverTime.storedSeconds, syncedAt.storedSeconds,
                    clockSkew,
                ])
            let seatCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM seats") ?? 0
            return SyncSummary(cursor: cursor, isComplete: sync.isComplete, seatCount: seatCount, changed: changed)
        }
    }

    private static func replaceKeys(_ keys: [TicketVerificationKey], _ db: Database) throws {
        try db.execute(sql: "DELETE FROM verification_keys")
        let insert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO verification_keys (key_id, public_key) VALUES (?, ?)")
        for key in keys {
            try insert.execute(arguments: [Int64(key.keyID.rawValue), key.rawRepresentation])
        }
    }

    private static func replaceEvents(_ events: [EventWindow], _ db: Database) throws {
        try db.execute(sql: "DELETE FROM events")
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO events (event_id, hall_id, name, doors_at, starts_at, ends_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        for event in events {
            try insert.execute(arguments: [
                event.eventID, event.hallID, event.name, event.doorsAt.storedSeconds, event.startsAt.storedSeconds,
                event.endsAt.storedSeconds,
            ])
        }
    }

    /// One prepared statement for every seat (a complete sync is ~20,000 rows). A seat
    /// may repeat within a sync; the upsert makes the newest revision win either way.
    private static func upsertSeats(_ seats: [DoorSeat], _ db: Database) throws -> Int {
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO seats (seat_id, event_id, section, row, number, status, ticket_serial, held_until,
                                   checked_in_at, checked_in_terminal, checked_in_staff, revision, outside_since)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (seat_id) DO UPDATE SET
                    event_id = excluded.event_id, section = excluded.section, row = excluded.row,
                    number = excluded.number, status = excluded.status,
                    ticket_serial = excluded.ticket_serial, held_until = excluded.held_until,
                    checked_in_at = excluded.checked_in_at, checked_in_terminal = excluded.checked_in_terminal,
                    checked_in_staff = excluded.checked_in_staff, revision = excluded.revision,
                    outside_since = excluded.outside_since
                WHERE excluded.revision >= seats.revision
                """)
        var changed = 0
        for seat in seats {
            try upsert.execute(arguments: [
                seat.seatID, seat.eventID, seat.section, seat.row, seat.number, seat.status.rawValue, seat.ticketSerial, seat.heldUntil?.storedSeconds,
                seat.checkIn?.at.storedSeconds, seat.checkIn?.terminalID, seat.checkIn?.staffID, seat.revision,
                seat.outsideSince?.storedSeconds,
            ])
            changed += db.changesCount
        }
        return changed
    }
}
