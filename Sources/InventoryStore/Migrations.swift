import Logging
import PostgresNIO

/// A versioned schema change. Statements run in order inside one transaction.
struct Migration: Sendable {
    var version: Int
    var name: String
    var statements: [String]
}

/// The schema, newest last. Never edit an applied migration; add a new one.
enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "venues, seats and entry logs",
            statements: [
                """
                CREATE TABLE halls (
                    hall_id    text PRIMARY KEY,
                    name       text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE events (
                    event_id  text PRIMARY KEY,
                    hall_id   text NOT NULL REFERENCES halls (hall_id),
                    name      text NOT NULL,
                    starts_at timestamptz NOT NULL,
                    ends_at   timestamptz NOT NULL,
                    CHECK (ends_at > starts_at),
                    -- lets seats reference (event_id, hall_id) so a seat's hall is its event's hall
                    UNIQUE (event_id, hall_id)
                )
                """,
                """
                CREATE TABLE seats (
                    seat_id                text PRIMARY KEY,
                    event_id               text NOT NULL,
                    hall_id                text NOT NULL,
                    section                text NOT NULL,
                    row_label              text NOT NULL,
                    seat_number            integer NOT NULL CHECK (seat_number > 0),
                    status                 text NOT NULL DEFAULT 'AVAILABLE'
                                           CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD', 'CHECKED_IN')),
                    owner_user_id          text,
                    held_by_user_id        text,
                    held_until             timestamptz,
                    order_id               text,
                    checked_in_at          timestamptz,
                    checked_in_terminal_id text,
                    checked_in_staff_id    text,
                    ticket_serial          bigint NOT NULL DEFAULT 0,
                    revision               bigint NOT NULL DEFAULT 1,
                    updated_at             timestamptz NOT NULL DEFAULT now(),
                    FOREIGN KEY (event_id, hall_id) REFERENCES events (event_id, hall_id),
                    UNIQUE (event_id, section, row_label, seat_number),
                    -- the state machine's invariants, enforced once more by the database
                    CHECK ((status = 'HELD') = (held_by_user_id IS NOT NULL AND held_until IS NOT NULL)),
                    CHECK ((status IN ('SOLD', 'CHECKED_IN')) = (owner_user_id IS NOT NULL)),
                    CHECK ((status = 'CHECKED_IN') = (checked_in_at IS NOT NULL))
                )
                """,
                // The sweeper's query: expired holds, oldest first.
                "CREATE INDEX seats_held_until ON seats (held_until) WHERE status = 'HELD'",
                // Seat maps and occupancy per event.
                "CREATE INDEX seats_event_status ON seats (event_id, status)",
                """
                CREATE TABLE entry_logs (
                    log_id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    seat_id             text REFERENCES seats (seat_id),
                    scanned_at          timestamptz NOT NULL DEFAULT now(),
                    scanned_by_staff_id text NOT NULL,
                    terminal_id         text NOT NULL,
                    action              text NOT NULL CHECK (action IN ('VERIFY', 'ADMIT')),
                    result              text NOT NULL CHECK (result IN
                                            ('SUCCESS', 'DUPLICATE', 'WRONG_HALL', 'UNPAID', 'NOT_FOUND', 'EXPIRED')),
                    reason              text NOT NULL,
                    -- the sentence door staff saw, replayed verbatim on a retry
                    message             text NOT NULL,
                    hall_id_presented   text NOT NULL,
                    hall_id_expected    text,
                    scan_id             text,
                    -- a retried MarkCheckedIn is logged too, pointing at the answer it replayed
                    replay_of           bigint REFERENCES entry_logs (log_id),
                    CHECK (replay_of IS NULL OR scan_id IS NOT NULL)
                )
                """,
                // scan_id is the idempotency key: one original admission per key.
                """
                CREATE UNIQUE INDEX entry_logs_scan_id ON entry_logs (scan_id)
                    WHERE scan_id IS NOT NULL AND replay_of IS NULL
                """,
                "CREATE INDEX entry_logs_seat ON entry_logs (seat_id, scanned_at)",
                "CREATE INDEX entry_logs_scanned_at ON entry_logs (scanned_at)",
                """
                CREATE TABLE seat_history (
                    history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    seat_id     text NOT NULL REFERENCES seats (seat_id),
                    at          timestamptz NOT NULL DEFAULT now(),
                    action      text NOT NULL,
                    user_id     text,
                    detail      text NOT NULL DEFAULT '',
                    from_status text NOT NULL,
                    to_status   text NOT NULL,
                    revision    bigint NOT NULL
                )
                """,
                "CREATE INDEX seat_history_seat ON seat_history (seat_id, at)",
            ]),
        Migration(
            version: 2, name: "seat map layout and change cursor",
            statements: [
                // Where a seat sits in the venue file's order (0 first), so maps draw
                // sections and rows as the venue lists them, not alphabetically.
                """
                ALTER TABLE seats ADD COLUMN section_position integer NOT NULL DEFAULT 0,
                                  ADD COLUMN row_position integer NOT NULL DEFAULT 0
                """,
                // The change cursor for live seat maps (ListHallSeats): the id of the
                // transaction that last wrote the row, stamped by a trigger so that no
                // writer can forget it.
                //
                // Why a transaction id and not a sequence: a sequence value is taken
                // before commit, so a poller could see revision 101 committed while 100
                // is still in flight, move its cursor past 100 and miss it forever.
                // With transaction ids, the cursor handed out is the xmin of the poll's
                // own snapshot (pg_snapshot_xmin(pg_current_snapshot())): every
                // transaction below it has finished and is visible to that same
                // snapshot, so its rows were in that answer or an earlier one. Anything
                // at or above it (still running, or finished after the snapshot) is
                // asked for again by the next poll (changed_xid >= cursor). A poll can
                // therefore repeat a seat but never miss one. (pg_current_xact_id() is
                // the top-level transaction id, also inside a savepoint, which is what
                // snapshots are made of.)
                "ALTER TABLE seats ADD COLUMN changed_xid xid8",
                "UPDATE seats SET changed_xid = pg_current_xact_id()",
                "ALTER TABLE seats ALTER COLUMN changed_xid SET NOT NULL",
                """
                CREATE FUNCTION seats_stamp_changed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.changed_xid := pg_current_xact_id();
                    RETURN NEW;
                END
                $$
                """,
                """
                CREATE TRIGGER seats_changed_xid BEFORE INSERT OR UPDATE ON seats
                    FOR EACH ROW EXECUTE FUNCTION seats_stamp_changed_xid()
                """,
                // A poll with nothing new is one index probe past the cursor.
                "CREATE INDEX seats_hall_changes ON seats (event_id, hall_id, changed_xid)",
            ]),
        Migration(
            version: 3, name: "admission windows and scan identity",
            statements: [
                // When doors open: a ticket admits from doors_at until ends_at. Existing
                // events get the default (an hour before the start), which is what their
                // doors meant before the column existed.
                "ALTER TABLE events ADD COLUMN doors_at timestamptz",
                "UPDATE events SET doors_at = starts_at - interval '60 minutes'",
                "ALTER TABLE events ALTER COLUMN doors_at SET NOT NULL",
                "ALTER TABLE events ADD CONSTRAINT events_doors_before_end CHECK (doors_at < ends_at)",
                // The SHA-256 of the code a scan presented: a scan id is bound to its code,
                // so a replay with another code (even for the same seat) is refused.
                "ALTER TABLE entry_logs ADD COLUMN code_sha256 bytea",
                // The event a pinned door admits (--event), as it presented it.
                "ALTER TABLE entry_logs ADD COLUMN event_id_presented text",
                // A refused attempt (a scan id reused with another code) is logged too, but
                // it got no verdict: result is NULL there and only there.
                "ALTER TABLE entry_logs ALTER COLUMN result DROP NOT NULL",
                """
                ALTER TABLE entry_logs ADD CONSTRAINT entry_logs_refusal
                    CHECK ((result IS NULL) = (reason = 'scan id reused'))
                """,
            ]),
        Migration(
            version: 4, name: "doors default for writers that predate them",
            statements: [
                // During a rolling upgrade an older server still imports events without
                // doors_at; it gets the default window (an hour before the start)
                // instead of a NOT NULL failure. A column default cannot name another
                // column, hence a trigger.
                """
                CREATE FUNCTION events_default_doors() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.doors_at IS NULL THEN NEW.doors_at := NEW.starts_at - interval '60 minutes'; END IF;
                    RETURN NEW;
                END
                $$
                """,
                """
                CREATE TRIGGER events_default_doors BEFORE INSERT OR UPDATE ON events
                    FOR EACH ROW EXECUTE FUNCTION events_default_doors()
                """,
            ]),
        Migration(
            version: 5, name: "transfer idempotency key",
            statements: [
                // The caller's id for the transfer that made the current owner the owner:
                // a retry of UpdateOwner is recognised by it, never by "to already owns it".
                "ALTER TABLE seats ADD COLUMN last_transfer_id text",
            ]),
        Migration(
            version: 6, name: "enrolled devices",
            statements: [
                // A device's secrets are kept as SHA-256 only: the one-time enrollment
                // secret (until its 15 minutes pass; kept after use, so a second use is
                // told "already used"), and the token it was exchanged for.
                """
                CREATE TABLE devices (
                    device_id              bigserial PRIMARY KEY,
                    name                   text NOT NULL UNIQUE,
                    role                   text NOT NULL CHECK (role IN ('door', 'supervisor', 'box-office', 'admin')),
                    hall_id                text REFERENCES halls (hall_id),
                    token_sha256           bytea UNIQUE CHECK (octet_length(token_sha256) = 32),
                    enrollment_sha256      bytea UNIQUE CHECK (octet_length(enrollment_sha256) = 32),
                    enrollment_expires_at  timestamptz,
                    enrolled_at            timestamptz,
                    created_at             timestamptz NOT NULL DEFAULT now(),
                    last_seen_at           timestamptz,
                    revoked_at             timestamptz,
                    CHECK ((role = 'door') = (hall_id IS NOT NULL)),
                    CHECK ((enrollment_sha256 IS NULL) = (enrollment_expires_at IS NULL))
                )
                """,
            ]),
        Migration(
            version: 7, name: "offline doors: uploaded scans, conflicts, door status",
            statements: [
                // A scan a door decided offline and uploaded later: its own clock when the
                // code was read, how far that clock was off (terminal − server), and the
                // verdict the guest was shown. scanned_at holds the corrected time.
                """
                ALTER TABLE entry_logs ADD COLUMN offline_scanned_at timestamptz,
                                       ADD COLUMN clock_skew_ms bigint,
                                       ADD COLUMN offline_result text CHECK (offline_result IN
                                           ('SUCCESS', 'DUPLICATE', 'WRONG_HALL', 'UNPAID', 'NOT_FOUND', 'EXPIRED'))
                """,
                """
                ALTER TABLE entry_logs ADD CONSTRAINT entry_logs_offline
                    CHECK ((offline_scanned_at IS NULL) = (offline_result IS NULL))
                """,
                // An offline admission the server could not confirm: one row per uploaded
                // scan id, kept for the audit, shown to supervisors until acknowledged.
                // seat_id is the code's (signed) seat, not a foreign key: the record must
                // survive whatever the venue file does later.
                """
                CREATE TABLE scan_conflicts (
                    conflict_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    scan_id             text NOT NULL UNIQUE,
                    log_id              bigint NOT NULL REFERENCES entry_logs (log_id),
                    seat_id             text NOT NULL,
                    hall_id             text NOT NULL,
                    event_id            text NOT NULL,
                    first_at            timestamptz,
                    first_terminal_id   text,
                    first_staff_id      text,
                    offline_at          timestamptz NOT NULL,
                    offline_terminal_id text NOT NULL,
                    server_reason       text NOT NULL,
                    message             text NOT NULL,
                    recorded_at         timestamptz NOT NULL DEFAULT now(),
                    acknowledged_at     timestamptz,
                    acknowledged_by     text,
                    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
                    CHECK ((first_at IS NULL) = (first_terminal_id IS NULL))
                )
                """,
                // The supervisors' alert list: open conflicts, newest first.
                "CREATE INDEX scan_conflicts_open ON scan_conflicts (recorded_at DESC) WHERE acknowledged_at IS NULL",
                // How each door stood at its last sync (SyncDoor's DoorReport), for the
                // supervisors' door list: one row per door, overwritten each sync.
                """
                CREATE TABLE door_status (
                    terminal_id     text PRIMARY KEY REFERENCES devices (name),
                    hall_id         text NOT NULL,
                    synced_at       timestamptz NOT NULL,
                    offline         boolean NOT NULL,
                    forced          boolean NOT NULL,
                    pending_uploads integer NOT NULL CHECK (pending_uploads >= 0),
                    clock_skew_ms   bigint NOT NULL
                )
                """,
            ]),
        Migration(
            version: 8, name: "annulled admissions",
            statements: [
                // An annul is logged beside the scans it undoes.
                """
                ALTER TABLE entry_logs DROP CONSTRAINT entry_logs_action_check,
                    ADD CONSTRAINT entry_logs_action_check CHECK (action IN ('VERIFY', 'ADMIT', 'ANNUL'))
                """,
                // One row per annulled admission (an admission is annulled at most once:
                // a guest let in again is a new admission), keyed by the annul's own id
                // so a retry is answered as a replay. Its entry_logs row is log_id.
                """
                CREATE TABLE annulments (
                    annul_id          text PRIMARY KEY,
                    admission_log_id  bigint NOT NULL UNIQUE REFERENCES entry_logs (log_id),
                    log_id            bigint NOT NULL UNIQUE REFERENCES entry_logs (log_id),
                    seat_id           text NOT NULL REFERENCES seats (seat_id),
                    annulled_at       timestamptz NOT NULL,
                    terminal_id       text NOT NULL,
                    staff_id          text NOT NULL,
                    reason            text NOT NULL CHECK (reason <> '')
                )
                """,
            ]),
        Migration(
            version: 9, name: "a scan retried after its admission was annulled",
            statements: [
                // Refused without a verdict, like a reused scan id: result NULL.
                "ALTER TABLE entry_logs DROP CONSTRAINT entry_logs_refusal",
                """
                ALTER TABLE entry_logs ADD CONSTRAINT entry_logs_refusal
                    CHECK ((result IS NULL) = (reason IN ('scan id reused', 'scan annulled')))
                """,
            ]),
        Migration(
            version: 10, name: "finding a guest without a code",
            statements: [
                // SearchSeats: by seat in a hall, by order, by owner; each an index probe.
                "CREATE INDEX seats_hall_row_number ON seats (hall_id, upper(row_label), seat_number)",
                "CREATE INDEX seats_order ON seats (order_id) WHERE order_id IS NOT NULL",
                "CREATE INDEX seats_owner ON seats (owner_user_id) WHERE owner_user_id IS NOT NULL",
            ]),
        Migration(
            version: 11, name: "supervised overrides",
            statements: [
                // A supervisor's PIN, as PBKDF2-SHA256 only (SupervisorPIN); a door may not have one.
                """
                ALTER TABLE devices ADD COLUMN pin_sha256 bytea CHECK (octet_length(pin_sha256) = 32),
                                    ADD COLUMN pin_salt bytea,
                                    ADD COLUMN pin_rounds integer,
                                    ADD COLUMN pin_set_at timestamptz,
                                    ADD CONSTRAINT devices_pin_complete
                                        CHECK ((pin_sha256 IS NULL) = (pin_salt IS NULL) AND (pin_salt IS NULL) = (pin_rounds IS NULL)),
                                    ADD CONSTRAINT devices_pin_supervisors_only
                                        CHECK (pin_sha256 IS NULL OR role IN ('supervisor', 'admin'))
                """,
                // Wrong PINs per door, shared by every server (OverrideLock).
                """
                CREATE TABLE override_locks (
                    terminal_id     text PRIMARY KEY,
                    failures        integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
                    locked_until    timestamptz,
                    last_failure_at timestamptz
                )
                """,
                // Who let a guest in anyway, why, and what they overrode: one row per
                // override admission, beside its entry_logs row.
                """
                CREATE TABLE overrides (
                    log_id          bigint PRIMARY KEY REFERENCES entry_logs (log_id),
                    supervisor      text NOT NULL,
                    reason          text NOT NULL CHECK (reason <> ''),
                    denied_result   text NOT NULL,
                    denied_reason   text NOT NULL,
                    denied_message  text NOT NULL,
                    terminal_id     text NOT NULL,
                    staff_id        text NOT NULL
                )
                """,
            ]),
        Migration(
            version: 12, name: "entry and exit",
            statements: [
                // Whether a show lets guests step out and back in (the venue's `reentry`).
                "ALTER TABLE events ADD COLUMN reentry boolean NOT NULL DEFAULT false",
                // Set while a checked-in guest is out (an exit scan); only a checked-in seat.
                """
                ALTER TABLE seats ADD COLUMN outside_since timestamptz,
                                  ADD CONSTRAINT seats_outside_only_checked_in
                                      CHECK (outside_since IS NULL OR status = 'CHECKED_IN')
                """,
                "ALTER TABLE entry_logs DROP CONSTRAINT entry_logs_action_check",
                "ALTER TABLE entry_logs ADD CONSTRAINT entry_logs_action_check CHECK (action IN ('VERIFY', 'ADMIT', 'ANNUL', 'EXIT'))",
                // An exit that was not recorded is logged with its reason and no verdict.
                "ALTER TABLE entry_logs DROP CONSTRAINT entry_logs_refusal",
                """
                ALTER TABLE entry_logs ADD CONSTRAINT entry_logs_refusal
                    CHECK ((result IS NULL) = (reason IN ('scan id reused', 'scan annulled', 'not inside', 'no re-entry',
                                                          'already outside')))
                """,
                // Entries and exits per door over the last minutes (GetHallOccupancy).
                "CREATE INDEX entry_logs_flow ON entry_logs (scanned_at, terminal_id) WHERE action IN ('ADMIT', 'EXIT') AND result = 'SUCCESS'",
            ]),
        Migration(
            version: 13, name: "kiosk unlocks",
            statements: [
                // Who unlocked a kiosk door, when, and for what (UnlockKiosk).
                """
                CREATE TABLE kiosk_unlocks (
                    unlock_id    bigserial PRIMARY KEY,
                    terminal_id  text NOT NULL,
                    supervisor   text NOT NULL,
                    action       text NOT NULL,
                    unlocked_at  timestamptz NOT NULL DEFAULT now()
                )
                """
            ]),
    ]
}

extension InventoryStore {
    /// Applies every migration not yet applied. Safe to run from several processes at
    /// once: an advisory lock serialises them and each migration is one transaction.
    @discardableResult
    public func migrate() async throws(StoreError) -> [Int] {
        let logger = self.logger
        var store = self
        store.callTimeout = .seconds(120)  // DDL on a large table may take a while
        return try await store.transaction { connection in
            // Arbitrary constant: "usher" in ASCII. Held until this transaction ends.
            try await connection.query(PostgresQuery(unsafeSQL: DatabaseSettings.longTransactionStatement), logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(7573104101114)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations", logger: logger
            ).decode(Int32.self) {
                applied.insert(Int(version))
            }
            var newlyApplied: [Int] = []
            for migration in Migrations.all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(Int32(migration.version)), \(migration.name))",
                    logger: logger)
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }
}
