import Foundation
import Logging
import PostgresNIO
import UsherCore

/// An admission's one write: the seat's conditional UPDATE, its `seat_history` row and
/// its `entry_logs` row, in one data-modifying statement that is its own transaction
/// (one round trip, no BEGIN or COMMIT), shared with the admissions of other doors at
/// the same moment (``BatchQueue``: one commit for all of them).
///
/// - `WHERE revision = w.revision`: the seat is admitted only in the state the verdict was
///   decided on. When doors race, PostgreSQL lets exactly one UPDATE match; a loser's
///   statement matches nothing, returns no row, and has already ended, so it holds no
///   lock while it re-reads (the savepoint dance this replaces existed only to drop
///   the lock a losing UPDATE kept until its transaction's end).
/// - Both INSERTs select from the UPDATE's result, so they run after it and only when
///   it matched: there is never a SUCCESS row without an admitted seat, nor the reverse.
/// - The log row's `scanned_at` is the admission's time (the read's clock), which a
///   replay answers with: the retry of a SUCCESS shows the time the first one did.
/// - The log row is an original for its scan id; the unique index `entry_logs_scan_id`
///   makes a concurrent attempt with the same scan id wait for this one's commit and
///   then fail with a unique violation, which rolls back its whole statement, seat
///   included. It re-reads and replays this answer. (A retry waits on the row, not on
///   a lock taken in advance.)
struct AdmissionWrite: Sendable {
    typealias Row = (seat: Seat, log: EntryLog.Written)

    var request: ScanRequest
    /// The seat as read; its revision is the UPDATE's condition.
    var seat: Seat
    /// The checked-in state UsherCore made from it (`SeatState.checkIn`).
    var admitted: SeatState
    var verdict: ScanVerdict

    /// Two admissions of one seat, or under one scan id, never share a statement: the
    /// second would race the first inside one UPDATE (``BatchQueue``).
    var conflictKeys: [String] {
        ["seat:" + seat.seatID] + (request.scanID.map { ["scan:" + $0] } ?? [])
    }

    /// The admissions of a batch in one statement (``BatchQueue``). Every column comes
    /// in as an array, one element per admission; an empty string stands for NULL
    /// (arrays of optionals do not bind). The log rows are matched back to their
    /// admissions by seat, which is unique within a batch (``conflictKeys``).
    struct Statement: PostgresPreparedStatement {
        typealias Row = (ordinal: Int64, written: AdmissionWrite.Row)

        var writes: [AdmissionWrite]

        static let sql = """
            WITH w AS (
                SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                                     $13::text[], $14::text[], $15::text[], $16::bytea[], $17::text[])
                    WITH ORDINALITY AS u(seat_id, revision, status, owner, order_id, at, terminal_id, staff_id, detail,
                                         from_status, result, reason, message, door_hall_id, scan_id, code_sha256,
                                         door_event_id, ordinal)
            ), admitted AS (
                UPDATE seats s SET status = w.status, owner_user_id = w.owner, order_id = w.order_id,
                                   held_by_user_id = NULL, held_until = NULL,
                                   checked_in_at = w.at, checked_in_terminal_id = w.terminal_id,
                                   checked_in_staff_id = w.staff_id, revision = s.revision + 1, updated_at = now()
                FROM w
                WHERE s.seat_id = w.seat_id AND s.revision = w.revision
                RETURNING \(SeatRow.columns(of: "s")), w.ordinal
            ), history AS (
                INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
                SELECT a.seat_id, 'CHECK_IN', a.owner_user_id, w.detail, w.from_status, a.status, a.revision
                FROM admitted a JOIN w USING (ordinal)
            ), logged AS (
                INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                        hall_id_presented, hall_id_expected, scan_id, code_sha256, event_id_presented,
                                        scanned_at)
                SELECT a.seat_id, w.staff_id, w.terminal_id, 'ADMIT', w.result, w.reason, w.message, w.door_hall_id,
                       a.hall_id, NULLIF(w.scan_id, ''), w.code_sha256, NULLIF(w.door_event_id, ''), a.checked_in_at
                FROM admitted a JOIN w USING (ordinal)
                RETURNING seat_id AS entry_seat_id, log_id AS entry_log_id, scanned_at AS entry_scanned_at
            )
            SELECT admitted.*, logged.entry_log_id, logged.entry_scanned_at
            FROM admitted JOIN logged ON logged.entry_seat_id = admitted.seat_id
            """

        static let bindingDataTypes: [PostgresDataType] = [
            .textArray, .int8Array, .textArray, .textArray, .textArray, .timestamptzArray, .textArray, .textArray,
            .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .byteaArray, .textArray,
        ]

        func makeBindings() throws -> PostgresBindings {
            let admissions = try writes.map { write in
                guard case .checkedIn(let owner, let orderID, let checkIn) = write.admitted else {
                    throw StoreError.internalError("an admission writes a checked-in seat, not \(write.admitted.status)")
                }
                return (write, owner, orderID, checkIn)
            }
            var b = PostgresBindings(capacity: 17)
            b.append(admissions.map { $0.0.seat.seatID })
            b.append(admissions.map { $0.0.seat.revision })
            b.append(admissions.map { $0.0.admitted.status.rawValue })
            b.append(admissions.map { $0.1 })
            b.append(admissions.map { $0.2 })
            b.append(admissions.map { $0.3.at })
            b.append(admissions.map { $0.3.terminalID })
            b.append(admissions.map { $0.3.staffID })
            b.append(admissions.map { "terminal \($0.0.request.terminalID), staff \($0.0.request.staffID)" })
            b.append(admissions.map { $0.0.seat.status.rawValue })
            b.append(admissions.map { $0.0.verdict.result.rawValue })
            b.append(admissions.map { $0.0.verdict.reason.rawValue })
            b.append(admissions.map { $0.0.verdict.message })
            b.append(admissions.map { $0.0.request.doorHallID })
            b.append(admissions.map { $0.0.request.scanID ?? "" })
            b.append(admissions.map { ByteBuffer(bytes: $0.0.request.codeDigest) })
            b.append(admissions.map { $0.0.request.doorEventID ?? "" })
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let r = row.makeRandomAccess()
            return (
                try r["ordinal"].decode(Int64.self),
                (
                    try SeatRow.decode(row),
                    EntryLog.Written(
                        logID: try r["entry_log_id"].decode(Int64.self),
                        scannedAt: try r["entry_scanned_at"].decode(Date.self))
                )
            )
        }
    }

    /// Runs a batch of admissions: for each, its row, or nil where the seat had
    /// changed since it was read (another writer won; read again).
    static func batch(_ writes: [AdmissionWrite], on connection: PostgresConnection, logger: Logger) async throws -> [Row?] {
        var rows = [Row?](repeating: nil, count: writes.count)
        for try await (ordinal, written) in try await connection.execute(Statement(writes: writes), logger: logger) {
            guard rows.indices.contains(Int(ordinal) - 1) else { throw StoreError.internalError("admission row \(ordinal) of \(writes.count)") }
            rows[Int(ordinal) - 1] = written
        }
        return rows
    }
}
