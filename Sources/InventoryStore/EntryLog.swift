import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The audit trail: one `entry_logs` row per VerifyTicket or MarkCheckedIn call.
/// An admission's row is written by the same statement as the seat's change
/// (``AdmissionWrite``); every other row by ``Insert``, here. Both go in batches
/// (``ScanBatches``).
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

    /// One row to log. Rows go to PostgreSQL in batches (``BatchQueue``): one statement,
    /// its own transaction, for every row of one durability logged at the same moment.
    struct Insert: Sendable {
        var request: ScanRequest
        var action: ScanAction
        /// Nil only for a refused scan id (see ``reusedScanIDReason``).
        var result: ScanResult?
        var reason: String
        var message: String
        var seat: Seat?
        var replayOf: Int64?
        var durability: Durability

        /// A batch's rows in one statement. Every column comes in as an array; an empty
        /// string or a 0 stands for NULL (arrays of optionals do not bind). Each row's
        /// `log_id` is drawn first, in `numbered`, so that the answer can say which row
        /// got which id (RETURNING cannot name the input's ordinal).
        ///
        /// The durability switch is a FROM item so that it runs once, before the rows
        /// are written, and inside the statement's own transaction (is_local = true).
        struct Statement: PostgresPreparedStatement {
            typealias Row = (ordinal: Int64, written: Written)

            var rows: [Insert]
            var durability: Durability

            static let sql = """
                WITH numbered AS (
                    SELECT nextval('entry_logs_log_id_seq') AS log_id, u.*
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                $8::text[], $9::text[], $10::text[], $11::int8[], $12::bytea[], $13::text[])
                        WITH ORDINALITY AS u(seat_id, staff_id, terminal_id, action, result, reason, message,
                                             door_hall_id, seat_hall_id, scan_id, replay_of, code_sha256, door_event_id,
                                             ordinal)
                ), logged AS (
                    INSERT INTO entry_logs (log_id, seat_id, scanned_by_staff_id, terminal_id, action, result, reason,
                                            message, hall_id_presented, hall_id_expected, scan_id, replay_of, code_sha256,
                                            event_id_presented)
                    OVERRIDING SYSTEM VALUE
                    SELECT n.log_id, NULLIF(n.seat_id, ''), n.staff_id, n.terminal_id, n.action, NULLIF(n.result, ''),
                           n.reason, n.message, n.door_hall_id, NULLIF(n.seat_hall_id, ''), NULLIF(n.scan_id, ''),
                           NULLIF(n.replay_of, 0), n.code_sha256, NULLIF(n.door_event_id, '')
                    FROM numbered n,
                         (SELECT CASE WHEN $14 THEN set_config('synchronous_commit', 'off', true) END) AS durability
                    RETURNING log_id, scanned_at
                )
                SELECT n.ordinal, l.log_id, l.scanned_at FROM numbered n JOIN logged l USING (log_id)
                """

            static let bindingDataTypes: [PostgresDataType] = [
                .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray,
                .textArray, .textArray, .int8Array, .byteaArray, .textArray, .bool,
            ]

            func makeBindings() throws -> PostgresBindings {
                var b = PostgresBindings(capacity: 14)
                b.append(rows.map { $0.seat?.seatID ?? "" })
                b.append(rows.map(\.request.staffID))
                b.append(rows.map(\.request.terminalID))
                b.append(rows.map(\.action.rawValue))
                b.append(rows.map { $0.result?.rawValue ?? "" })
                b.append(rows.map(\.reason))
                b.append(rows.map(\.message))
                b.append(rows.map(\.request.doorHallID))
                b.append(rows.map { $0.seat?.hallID ?? "" })
                b.append(rows.map { $0.request.scanID ?? "" })
                b.append(rows.map { $0.replayOf ?? 0 })
                b.append(rows.map { ByteBuffer(bytes: $0.request.codeDigest) })
                b.append(rows.map { $0.request.doorEventID ?? "" })
                b.append(durability == .relaxed)
                return b
            }

            func decodeRow(_ row: PostgresRow) throws -> Row {
                let (ordinal, logID, scannedAt) = try row.decode((Int64, Int64, Date).self)
                return (ordinal, Written(logID: logID, scannedAt: scannedAt))
            }
        }
    }

    /// Writes a batch of rows of one durability; one answer per row, in order.
    static func batch(
        _ rows: [Insert], durability: Durability, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Written] {
        var written = [Written?](repeating: nil, count: rows.count)
        for try await (ordinal, row) in try await connection.execute(
            Insert.Statement(rows: rows, durability: durability), logger: logger)
        {
            guard written.indices.contains(Int(ordinal) - 1) else { throw StoreError.internalError("log row \(ordinal) of \(rows.count)") }
            written[Int(ordinal) - 1] = row
        }
        return try written.map { row in
            guard let row else { throw StoreError.internalError("entry log insert returned too few rows") }
            return row
        }
    }

    /// Logs a verdict that changed no seat (every VERIFY; an ADMIT that was not a
    /// SUCCESS, or a replay of an earlier answer).
    static func append(
        _ request: ScanRequest, action: ScanAction, verdict: ScanVerdict, seat: Seat?,
        replayOf: Int64? = nil, through batches: ScanBatches
    ) async throws -> Written {
        try await batches.log(
            Insert(
                request: request, action: action, result: verdict.result, reason: verdict.reason.rawValue,
                message: verdict.message, seat: seat, replayOf: replayOf,
                durability: action == .verify ? .relaxed : .synchronous))
    }

    /// A scan id presented again with another code (or from another door): no verdict,
    /// so `result` is NULL (see migration 3), but the attempt is on record, pointing at
    /// the original it collided with.
    static let reusedScanIDReason = "scan id reused"
    /// A scan retried after its admission was undone: no verdict either (migration 9).
    static let annulledScanReason = "scan annulled"

    static func appendRefusal(
        _ request: ScanRequest, original: Original, problem: String, reason: String = reusedScanIDReason,
        through batches: ScanBatches
    ) async throws {
        _ = try await batches.log(
            Insert(
                request: request, action: .admit, result: nil, reason: reason,
                message: "Refused: scan id \(problem)", seat: nil, replayOf: original.logID, durability: .synchronous))
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
        /// The admission it made was undone since (AnnulCheckIn).
        var annulled = false
        /// An exit scan's (direction EXIT), not an entry's.
        var exit = false

        /// The select list ``decode(_:)`` reads, from `entry_logs` under `alias`.
        static func columns(of alias: String) -> String {
            """
            \(alias).log_id AS original_log_id, \(alias).scanned_at AS original_scanned_at, \
            \(alias).seat_id AS original_seat_id, \(alias).hall_id_presented AS original_hall_id, \
            \(alias).terminal_id AS original_terminal_id, \(alias).reason AS original_reason, \
            \(alias).message AS original_message, \(alias).code_sha256 AS original_code_sha256, \
            EXISTS (SELECT 1 FROM annulments a WHERE a.admission_log_id = \(alias).log_id) AS original_annulled, \
            \(alias).action AS original_action
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
                codeDigest: try r["original_code_sha256"].decode(Data?.self),
                annulled: try r["original_annulled"].decode(Bool.self),
                exit: try r["original_action"].decode(String.self) == ScanAction.exit.rawValue)
        }
    }
}
