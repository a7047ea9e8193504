import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The audit trail: one `entry_logs` row per VerifyTicket or MarkCheckedIn call.
/// An admission's row is written by the same statement as the seat's change
/// (``AdmissionWrite``); every other row by ``Insert``, here.
enum EntryLog {
    struct Written: Sendable {
        var logID: Int64
        var scannedAt: Date
    }

    /// How a row's commit may treat durability.
    enum Durability: Sendable {
        /// The commit waits for the WAL flush (and any synchronous standby): every row
        /// of an ADMIT call, whose answer a door acts on and a retry replays.
        case synchronous
        /// `synchronous_commit = off` for this row's transaction only: VERIFY rows.
        /// They change nothing and nothing replays them; a crash may lose the last
        /// few milliseconds of them (the README says so), and a verify costs no fsync.
        case relaxed
    }

    /// One row, one prepared statement, its own transaction (one round trip).
    struct Insert: PostgresPreparedStatement {
        typealias Row = Written

        var request: ScanRequest
        var action: ScanAction
        /// Nil only for a refused scan id (see ``reusedScanIDReason``).
        var result: ScanResult?
        var reason: String
        var message: String
        var seat: Seat?
        var replayOf: Int64?
        var durability: Durability

        // The durability switch is a FROM item so that it runs once, before the row is
        // written, and inside the statement's own transaction (is_local = true).
        static let sql = """
            INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                    hall_id_presented, hall_id_expected, scan_id, replay_of, code_sha256,
                                    event_id_presented)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
            FROM (SELECT CASE WHEN $14 THEN set_config('synchronous_commit', 'off', true) END) AS durability
            RETURNING log_id, scanned_at
            """

        static let bindingDataTypes: [PostgresDataType] = [
            .text, .text, .text, .text, .text, .text, .text, .text, .text, .text, .int8, .bytea, .text, .bool,
        ]

        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings(capacity: 14)
            try b.append(seat?.seatID)
            try b.append(request.staffID)
            try b.append(request.terminalID)
            try b.append(action.rawValue)
            try b.append(result?.rawValue)
            try b.append(reason)
            try b.append(message)
            try b.append(request.doorHallID)
            try b.append(seat?.hallID)
            try b.append(request.scanID)
            try b.append(replayOf)
            try b.append(request.codeDigest)
            try b.append(request.doorEventID)
            try b.append(durability == .relaxed)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> Written {
            let (logID, scannedAt) = try row.decode((Int64, Date).self)
            return Written(logID: logID, scannedAt: scannedAt)
        }
    }

    /// Logs a verdict that changed no seat (every VERIFY; an ADMIT that was not a
    /// SUCCESS, or a replay of an earlier answer).
    static func append(
        _ request: ScanRequest, action: ScanAction, verdict: ScanVerdict, seat: Seat?,
        replayOf: Int64? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> Written {
        try await insert(
            Insert(
                request: request, action: action, result: verdict.result, reason: verdict.reason.rawValue,
                message: verdict.message, seat: seat, replayOf: replayOf,
                durability: action == .verify ? .relaxed : .synchronous),
            on: connection, logger: logger)
    }

    /// A scan id presented again with another code (or from another door): no verdict,
    /// so `result` is NULL (see migration 3), but the attempt is on record, pointing at
    /// the original it collided with.
    static let reusedScanIDReason = "scan id reused"

    static func appendRefusal(
        _ request: ScanRequest, original: Original, problem: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        _ = try await insert(
            Insert(
                request: request, action: .admit, result: nil, reason: reusedScanIDReason,
                message: "Refused: scan id \(problem)", seat: nil, replayOf: original.logID, durability: .synchronous),
            on: connection, logger: logger)
    }

    private static func insert(_ statement: Insert, on connection: PostgresConnection, logger: Logger) async throws -> Written {
        var written: Written?
        for try await row in try await connection.execute(statement, logger: logger) { written = row }
        guard let written else { throw StoreError.internalError("entry log insert returned no row") }
        return written
    }

    /// The original answer recorded under a scan id, if any (read by ``ScanRead``).
    struct Original: Sendable {
        var logID: Int64
        var scannedAt: Date
        var seatID: String?
        var doorHallID: String
        var terminalID: String
        var reason: ScanReason
        var message: String
        /// Nil for rows written before scan ids were bound to codes (migration 3).
        var codeDigest: Data?

        /// The select list ``decode(_:)`` reads, from `entry_logs` under `alias`.
        static func columns(of alias: String) -> String {
            """
            \(alias).log_id AS original_log_id, \(alias).scanned_at AS original_scanned_at, \
            \(alias).seat_id AS original_seat_id, \(alias).hall_id_presented AS original_hall_id, \
            \(alias).terminal_id AS original_terminal_id, \(alias).reason AS original_reason, \
            \(alias).message AS original_message, \(alias).code_sha256 AS original_code_sha256
            """
        }

        /// The original in a row selected with ``columns(of:)``, or nil when there is none.
        static func decode(_ r: PostgresRandomAccessRow) throws -> Original? {
            guard let logID = try r["original_log_id"].decode(Int64?.self) else { return nil }
            let reasonText = try r["original_reason"].decode(String.self)
            guard let reason = ScanReason(rawValue: reasonText) else {
                throw StoreError.internalError("unknown scan reason \(reasonText) in entry_logs")
            }
            return Original(
                logID: logID,
                scannedAt: try r["original_scanned_at"].decode(Date.self),
                seatID: try r["original_seat_id"].decode(String?.self),
                doorHallID: try r["original_hall_id"].decode(String.self),
                terminalID: try r["original_terminal_id"].decode(String.self),
                reason: reason,
                message: try r["original_message"].decode(String.self),
                codeDigest: try r["original_code_sha256"].decode(Data?.self))
        }
    }
}
