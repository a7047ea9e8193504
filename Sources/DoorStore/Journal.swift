import Foundation
import GRDB
import UsherCore

/// One journaled offline scan: the door's decision as it was shown, the code and
/// who scanned it, and, once the server acknowledged the upload, the server's answer.
public struct JournalEntry: Sendable, Hashable {
    /// Upload order: scans go up oldest first.
    public var seq: Int64
    /// What the door decided and showed (replayed: true, since it is stored).
    public var decision: OfflineDecision
    /// The code as scanned: the server decides it again from this.
    public var code: String
    public var terminalID: String
    public var staffID: String
    /// Set once the server acknowledged the upload.
    public var uploadedAt: Date?
    public var serverResult: ScanResult?
    public var serverReason: ScanReason?
    /// The server's ``ScanConflict`` id, when it recorded one.
    public var conflictID: Int64?

    public init(
        seq: Int64, decision: OfflineDecision, code: String, terminalID: String, staffID: String,
        uploadedAt: Date? = nil, serverResult: ScanResult? = nil, serverReason: ScanReason? = nil, conflictID: Int64? = nil
    ) {
        self.seq = seq
        self.decision = decision
        self.code = code
        self.terminalID = terminalID
        self.staffID = staffID
        self.uploadedAt = uploadedAt
        self.serverResult = serverResult
        self.serverReason = serverReason
        self.conflictID = conflictID
    }

    public var scanID: String { decision.scanID }

    /// What the upload sends with the scan.
    public var offline: OfflineScan { decision.offline }
}

extension DoorStore {
    /// Journal rows the server has not acknowledged, oldest first (`seq`), at most
    /// `limit`, after `seq` `after` (so an uploader pages past rows the server refused
    /// instead of stopping at them).
    public func pendingUploads(limit: Int, after: Int64 = 0) throws(DoorStoreError) -> [JournalEntry] {
        try reading("read its pending uploads") { db in
            try Row.fetchAll(
                db, sql: JournalEntry.select + " WHERE uploaded_at IS NULL AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [after, max(0, limit)]
            ).map(JournalEntry.init(row:))
        }
    }

    /// Marks a row uploaded; call it ONLY once the server acknowledged the scan, with
    /// the server's answer. Idempotent: a row already marked keeps its first answer
    /// (a retried upload gets the server's replay of the same answer). An unknown
    /// scan id throws ``DoorStoreError/unknownScan(scanID:)``.
    public func markUploaded(
        scanID: String, serverResult: ScanResult, serverReason: ScanReason, conflictID: Int64?, at: Date
    ) throws(DoorStoreError) {
        try writing("mark a scan uploaded") { db in
            try db.execute(
                sql: """
                    UPDATE journal SET uploaded_at = ?, server_result = ?, server_reason = ?, conflict_id = ?
                    WHERE scan_id = ? AND uploaded_at IS NULL
                    """,
                arguments: [at.storedSeconds, serverResult.rawValue, serverReason.rawValue, conflictID, scanID])
            guard db.changesCount == 0 else { return }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM journal WHERE scan_id = ?", arguments: [scanID]) != nil
            else { throw DoorStoreError.unknownScan(scanID: scanID) }
        }
    }

    /// How many journaled scans the server has not acknowledged yet.
    public func pendingCount() throws(DoorStoreError) -> Int {
        try reading("count its pending uploads") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal WHERE uploaded_at IS NULL") ?? 0
        }
    }
}

extension JournalEntry {
    static let select = """
        SELECT seq, scan_id, code, scanned_at, clock_skew, reason, message,
               first_at, first_terminal_id, first_staff_id, seat_id, event_id, hall_id, event_name,
               seat_unsynced, terminal_id, staff_id, uploaded_at, server_result, server_reason, conflict_id
        FROM journal
        """

    static func fetch(scanID: String, _ db: Database) throws -> JournalEntry? {
        try Row.fetchOne(db, sql: select + " WHERE scan_id = ?", arguments: [scanID]).map(JournalEntry.init(row:))
    }

    /// Appends the decision; `seq` comes from SQLite.
    static func insert(
        _ decision: OfflineDecision, code: String, terminalID: String, staffID: String, _ db: Database
    ) throws {
        let first = decision.verdict.firstCheckIn
        try db.execute(
            sql: """
                INSERT INTO journal (scan_id, code, scanned_at, clock_skew, result, reason, message,
                                     first_at, first_terminal_id, first_staff_id, seat_id, event_id, hall_id,
                                     event_name, seat_unsynced, terminal_id, staff_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                decision.scanID, code, decision.scannedAt.storedSeconds, decision.clockSkew,
                decision.verdict.result.rawValue, decision.verdict.reason.rawValue, decision.verdict.message,
                first?.at.storedSeconds, first?.terminalID, first?.staffID, decision.seatID, decision.eventID,
                decision.hallID, decision.eventName, decision.seatUnsynced, terminalID, staffID,
            ])
    }

    init(row: Row) throws {
        let scanID: String = try row.decode(forColumn: "scan_id")
        func stored<Value: RawRepresentable<String>>(_ column: String, as type: Value.Type) throws -> Value? {
            guard let raw: String = try row.decode(forColumn: column) else { return nil }
            guard let value = Value(rawValue: raw) else {
                throw DoorStoreError.failed(
                    operation: "read journal scan \(scanID)", why: "unknown \(column) \"\(raw)\"")
            }
            return value
        }
        guard let reason = try stored("reason", as: ScanReason.self) else {
            throw DoorStoreError.failed(operation: "read journal scan \(scanID)", why: "no reason stored")
        }
        let first = try CheckIn(row, at: "first_at", terminal: "first_terminal_id", staff: "first_staff_id")
        let uploadedAt: Double? = try row.decode(forColumn: "uploaded_at")
        let decision = OfflineDecision(
            scanID: scanID,
            verdict: ScanVerdict(reason: reason, firstCheckIn: first, message: try row.decode(forColumn: "message")),
            seatID: try row.decode(forColumn: "seat_id"), eventID: try row.decode(forColumn: "event_id"),
            hallID: try row.decode(forColumn: "hall_id"), eventName: try row.decode(forColumn: "event_name"),
            seatUnsynced: try row.decode(forColumn: "seat_unsynced"),
            scannedAt: Date(storedSeconds: try row.decode(forColumn: "scanned_at")),
            clockSkew: try row.decode(forColumn: "clock_skew"), replayed: true)
        self.init(
            seq: try row.decode(forColumn: "seq"), decision: decision, code: try row.decode(forColumn: "code"),
            terminalID: try row.decode(forColumn: "terminal_id"), staffID: try row.decode(forColumn: "staff_id"),
            uploadedAt: uploadedAt.map(Date.init(storedSeconds:)),
            serverResult: try stored("server_result", as: ScanResult.self),
            serverReason: try stored("server_reason", as: ScanReason.self),
            conflictID: try row.decode(forColumn: "conflict_id"))
    }
}
