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

    private init(url: URL, queue: DatabaseQueue) {
        self.url = url
        self.queue = queue
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
    public static func open(at url: URL) throws(DoorStoreError) -> DoorStore {
        let path = url.standardizedFileURL.path
        try StoreFile.prepare(path)
        do throws(OpenFailure) {
            return DoorStore(url: url, queue: try connect(path))
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
