import Foundation
import GRDB

/// Whose copy a store is: the terminal that journals into it and the server it
/// syncs from (the certificate fingerprint the door pinned when it enrolled).
///
/// A store is named by hall only, so a door PC re-enrolled under another name, or
/// against another venue's server, would otherwise find the old store: journal rows
/// made under another terminal's name (which the server refuses forever), and a
/// sync cursor from another database (which the new server would read as a delta,
/// leaving out seats). Such a store is set aside, never deleted, and the door starts
/// a fresh one.
public struct DoorStoreOwner: Sendable, Hashable, CustomStringConvertible {
    public var terminalID: String
    public var server: String

    public init(terminalID: String, server: String) {
        self.terminalID = terminalID
        self.server = server
    }

    public var description: String { "terminal \(terminalID), server \(server)" }
}

/// A store that was not this door's copy and was moved aside when it opened.
public struct SetAsideStore: Sendable, Hashable, CustomStringConvertible {
    public var keptAt: String
    public var why: String

    public var description: String {
        "The door's offline store was \(why); it was kept at \(keptAt) (it holds no un-uploaded scans) and a fresh store was made."
    }
}

extension DoorStore {
    /// What the open found in the file about its owner.
    enum Ownership: Equatable {
        case ours
        /// Another owner's, or made by another build; `pending` un-uploaded scans
        /// (nil when the journal cannot be read by this build).
        case foreign(why: String, pending: Int?)
    }

    /// Claims an unowned store for `owner` (a store from before owners were recorded
    /// is claimed when its journal is all this terminal's), or says whose it is.
    static func claim(_ queue: DatabaseQueue, for owner: DoorStoreOwner) throws -> Ownership {
        try queue.write { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal WHERE uploaded_at IS NULL") ?? 0
            if let row = try Row.fetchOne(db, sql: "SELECT terminal_id, server FROM store_owner WHERE id = 1") {
                let stored = DoorStoreOwner(terminalID: row["terminal_id"], server: row["server"])
                return stored == owner ? .ours : .foreign(why: "made for \(stored), not \(owner)", pending: pending)
            }
            let strangers = try String.fetchAll(
                db, sql: "SELECT DISTINCT terminal_id FROM journal WHERE terminal_id <> ? ORDER BY 1", arguments: [owner.terminalID])
            if !strangers.isEmpty {
                return .foreign(
                    why: "journaled by terminal \(strangers.joined(separator: ", ")), not \(owner.terminalID)", pending: pending)
            }
            try db.execute(
                sql: "INSERT INTO store_owner (id, terminal_id, server) VALUES (1, ?, ?)",
                arguments: [owner.terminalID, owner.server])
            return .ours
        }
    }

    /// Why the file's tables are not the ones this build's migrations make, or nil.
    /// A store whose migration was edited after it ran (a development build) has the
    /// migration recorded but not its columns; every write would then fail.
    static func schemaDrift(_ queue: DatabaseQueue) throws -> String? {
        let reference = try DatabaseQueue()
        try DoorStoreSchema.migrator.migrate(reference)
        let expected = try reference.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
                .map { table in (table, try db.columns(in: table).map(\.name)) }
        }
        return try queue.read { db in
            for (table, columns) in expected {
                let found = try db.tableExists(table) ? try db.columns(in: table).map(\.name) : []
                if found != columns {
                    return "made by another build (its table \(table) has columns [\(found.joined(separator: ", "))], "
                        + "this build's has [\(columns.joined(separator: ", "))])"
                }
            }
            return nil
        }
    }
}
