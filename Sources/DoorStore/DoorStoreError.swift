import Foundation

/// Why the door's local store refused. Every case reads as a sentence that door staff
/// or an operator can act on, because scan-tui shows it as is.
public enum DoorStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file was damaged (not a database, truncated, or failing the integrity
    /// check). It was renamed aside, never deleted: its un-uploaded scans are in it.
    case corrupt(path: String, keptAt: String, why: String)
    /// The file was another terminal's or server's copy, or made by another build, and
    /// holds scans not uploaded (or a journal this build cannot read). It was renamed
    /// aside, never deleted; the next start makes a fresh store.
    case foreign(path: String, keptAt: String, why: String, pending: Int?)
    /// The file or its directory could not be opened or created (permissions, disk).
    case cannotOpen(path: String, why: String)
    /// An SQLite failure during an operation on an open store; nothing was written.
    case failed(operation: String, why: String)
    /// A sync for another hall than the one this store holds (one file per hall).
    case hallMismatch(stored: String, received: String)
    /// `markUploaded` named a scan the journal does not have.
    case unknownScan(scanID: String)
    /// A scan id already journaled with another code: a replay answers for the code
    /// the id first came with, never for a different one (as the server does).
    case scanIDReused(scanID: String)

    public var description: String {
        switch self {
        case .corrupt(let path, let keptAt, let why):
            "The door's offline store \(path) is damaged (\(why)). It was moved aside and kept at \(keptAt); "
                + "the next start makes a fresh store; its un-uploaded scans are in the kept file."
        case .foreign(let path, let keptAt, let why, let pending):
            "The door's offline store \(path) was \(why). It was moved aside and kept at \(keptAt) with "
                + (pending.map { "\($0) un-uploaded scan\($0 == 1 ? "" : "s")" } ?? "a journal this build cannot read")
                + ": give that file to a supervisor. The next start makes a fresh store."
        case .cannotOpen(let path, let why):
            "Cannot open the door's offline store \(path): \(why)"
        case .failed(let operation, let why):
            "The door's offline store could not \(operation): \(why)"
        case .hallMismatch(let stored, let received):
            "This offline store belongs to hall \(stored); a sync for hall \(received) was refused"
        case .unknownScan(let scanID):
            "The offline journal has no scan \(scanID)"
        case .scanIDReused(let scanID):
            "Scan id \(scanID) was already used for a different ticket code"
        }
    }
}
