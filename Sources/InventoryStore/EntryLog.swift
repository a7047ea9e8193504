import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The audit trail: one `entry_logs` row per VerifyTicket or MarkCheckedIn call,
/// written in the same transaction as any state change it reports.
enum EntryLog {
    struct Written: Sendable {
        var logID: Int64
        var scannedAt: Date
    }

    static func append(
        _ request: ScanRequest, action: ScanAction, verdict: ScanVerdict, seat: Seat?,
        replayOf: Int64? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> Written {
        let rows = try await connection.query(
            """
            INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason,
                                    message, hall_id_presented, hall_id_expected, scan_id, replay_of,
                                    code_sha256, event_id_presented)
            VALUES (\(seat?.seatID), \(request.staffID), \(request.terminalID), \(action.rawValue),
                    \(verdict.result.rawValue), \(verdict.reason.rawValue), \(verdict.message),
                    \(request.doorHallID), \(seat?.hallID), \(request.scanID), \(replayOf),
                    \(request.codeDigest), \(request.doorEventID))
            RETURNING log_id, scanned_at
            """, logger: logger
        ).collect()
        guard let row = rows.first else { throw StoreError.internalError("entry log insert returned no row") }
        let r = row.makeRandomAccess()
        return Written(logID: try r["log_id"].decode(Int64.self), scannedAt: try r["scanned_at"].decode(Date.self))
    }

    /// A scan id presented again with another code (or from another door): no verdict,
    /// so `result` is NULL (see migration 3), but the attempt is on record, pointing at
    /// the original it collided with.
    static let reusedScanIDReason = "scan id reused"

    static func appendRefusal(
        _ request: ScanRequest, original: Original, problem: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason,
                                    message, hall_id_presented, scan_id, replay_of, code_sha256, event_id_presented)
            VALUES (NULL, \(request.staffID), \(request.terminalID), \(ScanAction.admit.rawValue), NULL,
                    \(reusedScanIDReason), \("Refused: scan id \(problem)"), \(request.doorHallID), \(request.scanID),
                    \(original.logID), \(request.codeDigest), \(request.doorEventID))
            """, logger: logger)
    }

    /// The original admission recorded under `scanID`, if any.
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
    }

    static func original(scanID: String, on connection: PostgresConnection, logger: Logger) async throws -> Original? {
        let rows = try await connection.query(
            """
            SELECT log_id, scanned_at, seat_id, hall_id_presented, terminal_id, reason, message, code_sha256
            FROM entry_logs WHERE scan_id = \(scanID) AND replay_of IS NULL
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let r = row.makeRandomAccess()
        let reasonText = try r["reason"].decode(String.self)
        guard let reason = ScanReason(rawValue: reasonText) else {
            throw StoreError.internalError("unknown scan reason \(reasonText) in entry_logs")
        }
        return Original(
            logID: try r["log_id"].decode(Int64.self),
            scannedAt: try r["scanned_at"].decode(Date.self),
            seatID: try r["seat_id"].decode(String?.self),
            doorHallID: try r["hall_id_presented"].decode(String.self),
            terminalID: try r["terminal_id"].decode(String.self),
            reason: reason,
            message: try r["message"].decode(String.self),
            codeDigest: try r["code_sha256"].decode(Data?.self))
    }
}
