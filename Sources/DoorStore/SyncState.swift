import Foundation
import GRDB

/// What the door knows about its last sync: the cursor to ask with next, how old the
/// data is, and how far the terminal's clock was off the server's.
public struct DoorSyncState: Sendable, Hashable {
    /// Nil until the first sync.
    public var hallID: String?
    public var hallName: String?
    /// The cursor for the next SyncDoor; 0 when never synced (asks for everything).
    public var cursor: Int64
    /// The terminal's clock when the last sync was applied.
    public var syncedAt: Date?
    /// The server's clock when it read that sync.
    public var serverTime: Date?
    /// Terminal clock minus server clock at the last sync, seconds; 0 when never synced.
    public var clockSkew: TimeInterval
    public var seatCount: Int

    public init(
        hallID: String?, hallName: String?, cursor: Int64, syncedAt: Date?, serverTime: Date?,
        clockSkew: TimeInterval, seatCount: Int
    ) {
        self.hallID = hallID
        self.hallName = hallName
        self.cursor = cursor
        self.syncedAt = syncedAt
        self.serverTime = serverTime
        self.clockSkew = clockSkew
        self.seatCount = seatCount
    }

    public var hasSynced: Bool { syncedAt != nil }
}

extension DoorStore {
    /// The cursor for the next SyncDoor, the last sync's times and skew, the hall's
    /// name and how many seats the store holds.
    public func syncState() throws(DoorStoreError) -> DoorSyncState {
        try reading("read its sync state") { db in try Self.syncState(db) }
    }

    static func syncState(_ db: Database) throws -> DoorSyncState {
        let seats = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM seats") ?? 0
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT hall_id, hall_name, cursor, server_time, synced_at, clock_skew
                    FROM sync_state WHERE id = 1
                    """)
        else {
            return DoorSyncState(
                hallID: nil, hallName: nil, cursor: 0, syncedAt: nil, serverTime: nil, clockSkew: 0, seatCount: seats)
        }
        return DoorSyncState(
            hallID: try row.decode(forColumn: "hall_id"),
            hallName: try row.decode(forColumn: "hall_name"),
            cursor: try row.decode(forColumn: "cursor"),
            syncedAt: Date(storedSeconds: try row.decode(forColumn: "synced_at")),
            serverTime: Date(storedSeconds: try row.decode(forColumn: "server_time")),
            clockSkew: try row.decode(forColumn: "clock_skew"),
            seatCount: seats)
    }

    /// Terminal clock minus server clock from the last sync; 0 when never synced.
    static func clockSkew(_ db: Database) throws -> TimeInterval {
        try Double.fetchOne(db, sql: "SELECT clock_skew FROM sync_state WHERE id = 1") ?? 0
    }
}
