import Logging
import PostgresNIO

/// The scan path's statements, batched across concurrent scans (``BatchQueue``): a
/// scan's read, an admission's write, and a log row of either durability. One set
/// per store, shared by every copy of it.
///
/// The log rows have two queues because durability is per transaction: VERIFY rows
/// commit without waiting for the WAL flush, and must never share a commit with an
/// ADMIT row, which does.
final class ScanBatches: Sendable {
    let reads: BatchQueue<ScanRead, ScanRead.Row>
    let admissions: BatchQueue<AdmissionWrite, AdmissionWrite.Row?>
    /// Exits and re-entries (``PresenceWrite``).
    let presence: BatchQueue<PresenceWrite, PresenceWrite.Row?>
    private let synchronousLogs: BatchQueue<EntryLog.Insert, EntryLog.Written>
    private let relaxedLogs: BatchQueue<EntryLog.Insert, EntryLog.Written>

    init(nodes: DatabaseNodes, logger: Logger, leaseBound: Duration) {
        reads = BatchQueue(nodes: nodes, logger: logger, leaseBound: leaseBound) { reads, connection, logger in
            try await ScanRead.batch(reads, on: connection, logger: logger)
        }
        admissions = BatchQueue(nodes: nodes, logger: logger, leaseBound: leaseBound, conflictKeys: \.conflictKeys) { writes, connection, logger in
            try await AdmissionWrite.batch(writes, on: connection, logger: logger)
        }
        // One per batch: each is its own statement and commit, and a batch that fails
        // is retried whole (``BatchQueue``), which only a single statement makes safe.
        presence = BatchQueue(nodes: nodes, logger: logger, leaseBound: leaseBound, limit: 1, conflictKeys: \.conflictKeys) { writes, connection, logger in
            try await PresenceWrite.batch(writes, on: connection, logger: logger)
        }
        synchronousLogs = BatchQueue(nodes: nodes, logger: logger, leaseBound: leaseBound) { rows, connection, logger in
            try await EntryLog.batch(rows, durability: .synchronous, on: connection, logger: logger)
        }
        relaxedLogs = BatchQueue(nodes: nodes, logger: logger, leaseBound: leaseBound) { rows, connection, logger in
            try await EntryLog.batch(rows, durability: .relaxed, on: connection, logger: logger)
        }
    }

    /// Writes one log row, committed as its durability says.
    func log(_ row: EntryLog.Insert) async throws -> EntryLog.Written {
        switch row.durability {
        case .synchronous: try await synchronousLogs.submit(row)
        case .relaxed: try await relaxedLogs.submit(row)
        }
    }
}
