import GRDB

/// The store's tables, as GRDB migrations: a door updated in the field keeps its
/// file (and its journal) and gains later migrations in order.
///
/// - `sync_state`: one row, the last SyncDoor answer's cursor, hall and clocks.
/// - `store_owner`: one row, the terminal and server this copy belongs to.
/// - `verification_keys`, `events`: replaced whole by each sync (a handful).
/// - `seats`: the server's view of each seat, by seat id; never written by a scan
///   (this door's own admissions are read from the journal instead, so a sync can
///   never erase one).
/// - `journal`: every scan decided offline, in upload order (`seq`, AUTOINCREMENT so
///   a number is never reused), with what the guest was shown and, once the server
///   acknowledged it, the server's answer.
enum DoorStoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-door-store") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sync_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        hall_id TEXT NOT NULL,
                        hall_name TEXT NOT NULL,
                        cursor INTEGER NOT NULL,
                        server_time REAL NOT NULL,
                        synced_at REAL NOT NULL,
                        clock_skew REAL NOT NULL
                    );
                    CREATE TABLE verification_keys (
                        key_id INTEGER PRIMARY KEY,
                        public_key BLOB NOT NULL
                    );
                    CREATE TABLE events (
                        event_id TEXT PRIMARY KEY,
                        hall_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        doors_at REAL NOT NULL,
                        starts_at REAL NOT NULL,
                        ends_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE seats (
                        seat_id TEXT PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        section TEXT NOT NULL,
                        row TEXT NOT NULL,
                        number INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        ticket_serial INTEGER NOT NULL,
                        held_until REAL,
                        checked_in_at REAL,
                        checked_in_terminal TEXT,
                        checked_in_staff TEXT,
                        revision INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE journal (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        scan_id TEXT NOT NULL UNIQUE,
                        code TEXT NOT NULL,
                        scanned_at REAL NOT NULL,
                        clock_skew REAL NOT NULL,
                        result TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        message TEXT NOT NULL,
                        first_at REAL,
                        first_terminal_id TEXT,
                        first_staff_id TEXT,
                        seat_id TEXT,
                        event_id TEXT,
                        hall_id TEXT,
                        event_name TEXT,
                        seat_unsynced INTEGER NOT NULL CHECK (seat_unsynced IN (0, 1)),
                        terminal_id TEXT NOT NULL,
                        staff_id TEXT NOT NULL,
                        uploaded_at REAL,
                        server_result TEXT,
                        server_reason TEXT,
                        conflict_id INTEGER
                    );
                    CREATE INDEX journal_pending ON journal (seq) WHERE uploaded_at IS NULL;
                    CREATE INDEX journal_seat ON journal (seat_id);
                    """)
        }
        // Never edit a migration that has shipped: a door keeps its file, so a new
        // column is a new migration (``DoorStore/schemaDrift(_:)`` sets aside a file
        // whose tables differ from what these make).
        migrator.registerMigration("2-store-owner") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_owner (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        terminal_id TEXT NOT NULL,
                        server TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("3-outside-since") { db in
            // A guest who stepped out (an exit scan at an online door) re-enters offline.
            try db.execute(sql: "ALTER TABLE seats ADD COLUMN outside_since REAL")
        }
        return migrator
    }
}
