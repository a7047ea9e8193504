import Foundation
import Logging
import PostgresNIO
import UsherCore

/// A checked-in guest stepping out (an exit scan) or back in (a re-entry): the seat's
/// `outside_since`, its `seat_history` row and the scan's `entry_logs` row, in one
/// data-modifying statement that is its own transaction, like ``AdmissionWrite``.
///
/// - `WHERE revision = …`: written only in the state the verdict was decided on; two
///   doors racing one ticket out (or in) get one write, and the loser reads again and
///   is told "already outside" (or DUPLICATE). The seat stays CHECKED_IN throughout:
///   its first admission (time, terminal) is the one an annul undoes.
/// - The log row is an original for its scan id (`entry_logs_scan_id`): a retry
///   racing it fails as a whole and replays it.
/// - Exits and re-entries are a small share of scans: one per batch (the queue's
///   limit is 1), so a failed statement is retried alone and never re-runs one
///   that already committed. `at` is the scan's time: now, or an offline upload's
///   corrected time.
struct PresenceWrite: Sendable {
    typealias Row = (seat: Seat, log: EntryLog.Written)

    var request: ScanRequest
    /// The seat as read; its revision is the UPDATE's condition.
    var seat: Seat
    /// True: stepping out (an exit scan). False: coming back in (a re-entry).
    var out: Bool
    var verdict: ScanVerdict
    /// The log row's time; nil: the database's now().
    var at: Date? = nil

    var conflictKeys: [String] {
        ["seat:" + seat.seatID] + (request.scanID.map { ["scan:" + $0] } ?? [])
    }

    static func batch(_ writes: [PresenceWrite], on connection: PostgresConnection, logger: Logger) async throws -> [Row?] {
        var rows: [Row?] = []
        for write in writes { rows.append(try await write.run(on: connection, logger: logger)) }
        return rows
    }

    /// Nil when the seat changed since it was read (read again).
    private func run(on connection: PostgresConnection, logger: Logger) async throws -> Row? {
        let action = out ? ScanAction.exit : .admit
        let history = out ? "EXIT" : "REENTRY"
        let rows = try await connection.query(
            """
            WITH moved AS (
                UPDATE seats SET outside_since = CASE WHEN \(out) THEN now() END,
                                 revision = revision + 1, updated_at = now()
                WHERE seat_id = \(seat.seatID) AND revision = \(seat.revision) AND status = 'CHECKED_IN'
                RETURNING \(unescaped: SeatRow.columns)
            ), history AS (
                INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
                SELECT seat_id, \(history), \(request.staffID),
                       \("terminal \(request.terminalID), staff \(request.staffID)"), status, status, revision
                FROM moved
            ), logged AS (
                INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                        hall_id_presented, hall_id_expected, scan_id, code_sha256, event_id_presented,
                                        scanned_at)
                SELECT seat_id, \(request.staffID), \(request.terminalID), \(action.rawValue), \(verdict.result.rawValue),
                       \(verdict.reason.rawValue), \(verdict.message), \(request.doorHallID), hall_id, \(request.scanID),
                       \(request.codeDigest), \(request.doorEventID), coalesce(\(at)::timestamptz, now())
                FROM moved
                RETURNING log_id AS entry_log_id, scanned_at AS entry_scanned_at
            )
            SELECT moved.*, logged.entry_log_id, logged.entry_scanned_at FROM moved, logged
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let r = row.makeRandomAccess()
        return (
            try SeatRow.decode(row),
            EntryLog.Written(
                logID: try r["entry_log_id"].decode(Int64.self), scannedAt: try r["entry_scanned_at"].decode(Date.self))
        )
    }
}
