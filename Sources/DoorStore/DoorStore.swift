import Foundation
import GRDB
import UsherCore

/// The door's own SQLite store for offline mode: what the last SyncDoor said (keys,
/// events, seats, cursor) and the journal of every scan decided while the server was
/// out of reach, kept until the server acknowledges it.
///
/// One `DatabaseQueue`: one connection, calls serialized. A door decides one scan at a
/// time, and a single connection keeps `synchronous=FULL` where we set it (a
/// `DatabasePool` resets its writer to NORMAL after `prepareDatabase`). With WAL and
/// FULL, a write call returns only after its commit is fsynced: a verdict drawn after
/// ``decideAndJournal(scanID:code:at:now:terminalID:staffID:)`` survives a power cut.
public final class DoorStore: Sendable {
    public let url: URL
    let queue: DatabaseQueue
    /// The file found at `url` when it was not this door's copy and held nothing to
    /// upload: moved aside when this store was made in its place.
    public let setAside: SetAsideStore?

    private init(url: URL, queue: DatabaseQueue, setAside: SetAsideStore? = nil) {
        self.url = url
        self.queue = queue
        self.setAside = setAside
    }

    /// `$XDG_STATE_HOME/usher/door-<hall>.sqlite`, else `$HOME/.local/state/usher/door-<hall>.sqlite`.
    /// The hall id is sanitised for a file name: [A-Za-z0-9._-] kept, others become "_".
    public static func defaultLocation(hallID: String, environment: [String: String]) -> URL {
        StoreFile.stateDirectory(environment: environment)
            .appendingPathComponent("usher", isDirectory: true)
            .appendingPathComponent("door-\(StoreFile.sanitised(hallID)).sqlite", isDirectory: false)
    }

    /// Opens or creates the store: directories 0700, file 0600 (the journal holds
    /// ticket codes); WAL and synchronous=FULL; `PRAGMA quick_check`; migrations.
    ///
    /// The check runs before the migrations so that our own writes never touch a
    /// damaged file. A file that is not a database, is truncated or fails the check is
    /// renamed aside with its -wal and -shm (never deleted: it may hold un-uploaded
    /// scans) and ``DoorStoreError/corrupt(path:keptAt:why:)`` is thrown; the next open
    /// makes a fresh store. Anything else (permissions, a full disk) is
    /// ``DoorStoreError/cannotOpen(path:why:)`` and leaves the file where it is.
    ///
    /// The store is `owner`'s (``DoorStoreOwner``). A file that is another terminal's
    /// or server's copy, or whose tables another build made, is renamed aside too: with
    /// nothing left to upload the door goes on with a fresh store (``setAside`` says
    /// where the old one is); with scans still to upload it stops with
    /// ``DoorStoreError/foreign(path:keptAt:why:pending:)``, so someone hears of them.
    public static func open(at url: URL, owner: DoorStoreOwner) throws(DoorStoreError) -> DoorStore {
        let path = url.standardizedFileURL.path
        let ownership: Ownership
        do {
            let queue = try checked(path)
            ownership = try Self.ownership(of: queue, for: owner, path: path)
            if ownership == .ours { return DoorStore(url: url, queue: queue) }
        }
        // The first connection is closed by now (its queue went with the block above).
        guard case .foreign(let why, let pending) = ownership else { preconditionFailure("handled above") }
        let kept = try CorruptFile.keepAside(path, now: Date(), label: "other")
        guard pending == 0 else { throw .foreign(path: path, keptAt: kept, why: why, pending: pending) }
        let fresh = try checked(path)
        guard try Self.ownership(of: fresh, for: owner, path: path) == .ours else {
            throw .cannotOpen(path: path, why: "a fresh store could not be claimed for \(owner)")
        }
        return DoorStore(url: url, queue: fresh, setAside: SetAsideStore(keptAt: kept, why: why))
    }

    /// The connection to a prepared, checked and migrated file; a damaged one is kept aside.
    private static func checked(_ path: String) throws(DoorStoreError) -> DatabaseQueue {
        try StoreFile.prepare(path)
        do throws(OpenFailure) {
            return try connect(path)
        } catch {
            switch error {
            case .damaged(let why):
                // `connect` has closed its connection by now: nothing writes the file again.
                let kept = try CorruptFile.keepAside(path, now: Date())
                throw .corrupt(path: path, keptAt: kept, why: why)
            case .failed(let why):
                throw .cannotOpen(path: path, why: why)
            }
        }
    }

    private static func ownership(
        of queue: DatabaseQueue, for owner: DoorStoreOwner, path: String
    ) throws(DoorStoreError) -> Ownership {
        do {
            if let drift = try schemaDrift(queue) {
                let pending = try? queue.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal WHERE uploaded_at IS NULL") ?? 0
                }
                return .foreign(why: drift, pending: pending)
            }
            return try claim(queue, for: owner)
        } catch {
            throw .cannotOpen(path: path, why: "cannot read whose store it is: \(error)")
        }
    }

    enum OpenFailure: Error {
        case damaged(String)
        case failed(String)
    }

    /// The connection, checked and migrated; on failure it is closed before returning
    /// (the queue is released with this frame).
    private static func connect(_ path: String) throws(OpenFailure) -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let problems = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
            guard problems == ["ok"] else {
                throw OpenFailure.damaged("the integrity check found: " + problems.joined(separator: "; "))
            }
            try DoorStoreSchema.migrator.migrate(queue)
            return queue
        } catch let failure as OpenFailure {
            throw failure
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
        {
            let what = error.resultCode == .SQLITE_NOTADB ? "not an SQLite database" : "SQLite found it corrupt"
            throw .damaged("\(what): \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw .failed("\(error)")
        }
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "DoorStore"
        // Another process on this machine with the same hall's file (a second
        // scan-tui) waits briefly for the lock instead of failing a scan at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Set here, on the one connection, after which nothing resets them (unlike
            // GRDB's own `.wal` setup, which chooses NORMAL).
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else { throw OpenFailure.failed("SQLite refused WAL mode (got \(mode ?? "nothing"))") }
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Runs `body` in one IMMEDIATE transaction (the write lock is taken up front, so
    /// a read-then-write never fails half way on a lock), committed before returning.
    func writing<T>(_ operation: String, _ body: (Database) throws -> T) throws(DoorStoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var outcome: T?
                try db.inTransaction(.immediate) {
                    outcome = try body(db)
                    return .commit
                }
                // inTransaction returned without throwing, so `body` ran and set it.
                return outcome!
            }
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    func reading<T>(_ operation: String, _ body: (Database) throws -> T) throws(DoorStoreError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    private static func storeError(_ error: any Error, operation: String) -> DoorStoreError {
        if let error = error as? DoorStoreError { return error }
        return .failed(operation: operation, why: "\(error)")
    }
}
