import Foundation
import GRDB
import UsherCore

/// The synced data read back as UsherCore values, for ``OfflineLookup``: keys and
/// events whole (a handful), one seat by id.
extension DoorStore {
    static func keys(_ db: Database) throws -> [TicketVerificationKey] {
        try Data.fetchAll(db, sql: "SELECT public_key FROM verification_keys ORDER BY key_id").map { raw in
            do {
                return try TicketVerificationKey(rawRepresentation: raw)
            } catch {
                throw DoorStoreError.failed(operation: "read its verification keys", why: "a stored key is \(error)")
            }
        }
    }

    static func events(_ db: Database) throws -> [String: EventWindow] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT event_id, hall_id, name, doors_at, starts_at, ends_at FROM events")
        var events: [String: EventWindow] = [:]
        for row in rows {
            let event = EventWindow(
                eventID: try row.decode(forColumn: "event_id"), hallID: try row.decode(forColumn: "hall_id"),
                name: try row.decode(forColumn: "name"),
                doorsAt: Date(storedSeconds: try row.decode(forColumn: "doors_at")),
                startsAt: Date(storedSeconds: try row.decode(forColumn: "starts_at")),
                endsAt: Date(storedSeconds: try row.decode(forColumn: "ends_at")))
            events[event.eventID] = event
        }
        return events
    }

    static func seat(_ seatID: String, _ db: Database) throws -> DoorSeat? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT seat_id, event_id, section, row, number, status, ticket_serial, held_until,
                           checked_in_at, checked_in_terminal, checked_in_staff, revision, outside_since
                    FROM seats WHERE seat_id = ?
                    """,
                arguments: [seatID])
        else { return nil }
        let rawStatus: String = try row.decode(forColumn: "status")
        guard let status = SeatStatus(rawValue: rawStatus) else {
            throw DoorStoreError.failed(operation: "read seat \(seatID)", why: "unknown status \(rawStatus)")
        }
        let checkIn = try CheckIn(row, at: "checked_in_at", terminal: "checked_in_terminal", staff: "checked_in_staff")
        let heldUntil: Double? = try row.decode(forColumn: "held_until")
        let outsideSince: Double? = try row.decode(forColumn: "outside_since")
        return DoorSeat(
            seatID: try row.decode(forColumn: "seat_id"), eventID: try row.decode(forColumn: "event_id"),
            section: try row.decode(forColumn: "section"), row: try row.decode(forColumn: "row"),
            number: try row.decode(forColumn: "number"),
            status: status, ticketSerial: try row.decode(forColumn: "ticket_serial"),
            heldUntil: heldUntil.map(Date.init(storedSeconds:)), checkIn: checkIn,
            revision: try row.decode(forColumn: "revision"), outsideSince: outsideSince.map(Date.init(storedSeconds:)))
    }

    /// The stored server view of one seat (diagnostics and tests).
    func storedSeat(_ seatID: String) throws(DoorStoreError) -> DoorSeat? {
        try reading("read seat \(seatID)") { db in try Self.seat(seatID, db) }
    }

    /// The journal row of one scan, uploaded or not (diagnostics and tests).
    func journalEntry(scanID: String) throws(DoorStoreError) -> JournalEntry? {
        try reading("read journal scan \(scanID)") { db in try JournalEntry.fetch(scanID: scanID, db) }
    }

    /// The connection's journal mode and synchronous level as SQLite reports them,
    /// so a test can prove the durability settings held (WAL, FULL = 2).
    func durabilitySettings() throws(DoorStoreError) -> (journalMode: String, synchronous: Int) {
        try reading("read its durability settings") { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
    }
}
