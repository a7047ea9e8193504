import Foundation
import PostgresNIO
import UsherCore

/// An admission's one write: the seat's conditional UPDATE, its `seat_history` row and
/// its `entry_logs` row, in one data-modifying statement that is its own transaction
/// (one round trip, no BEGIN or COMMIT).
///
/// - `WHERE revision = $2`: the seat is admitted only in the state the verdict was
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
struct AdmissionWrite: PostgresPreparedStatement {
    typealias Row = (seat: Seat, log: EntryLog.Written)

    var request: ScanRequest
    /// The seat as read; its revision is the UPDATE's condition.
    var seat: Seat
    /// The checked-in state UsherCore made from it (`SeatState.checkIn`).
    var admitted: SeatState
    var verdict: ScanVerdict

    static let sql = """
        WITH admitted AS (
            UPDATE seats SET status = $3, owner_user_id = $4, order_id = $5,
                             held_by_user_id = NULL, held_until = NULL,
                             checked_in_at = $6, checked_in_terminal_id = $7, checked_in_staff_id = $8,
                             revision = revision + 1, updated_at = now()
            WHERE seat_id = $1 AND revision = $2
            RETURNING \(SeatRow.columns)
        ), history AS (
            INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
            SELECT seat_id, 'CHECK_IN', owner_user_id, $9, $10, status, revision FROM admitted
        ), logged AS (
            INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                    hall_id_presented, hall_id_expected, scan_id, code_sha256, event_id_presented,
                                    scanned_at)
            SELECT seat_id, $8, $7, 'ADMIT', $11, $12, $13, $14, hall_id, $15, $16, $17, checked_in_at FROM admitted
            RETURNING log_id AS entry_log_id, scanned_at AS entry_scanned_at
        )
        SELECT admitted.*, logged.* FROM admitted, logged
        """

    static let bindingDataTypes: [PostgresDataType] = [
        .text, .int8, .text, .text, .text, .timestamptz, .text, .text, .text, .text, .text, .text, .text, .text,
        .text, .bytea, .text,
    ]

    func makeBindings() throws -> PostgresBindings {
        guard case .checkedIn(let owner, let orderID, let checkIn) = admitted else {
            throw StoreError.internalError("an admission writes a checked-in seat, not \(admitted.status)")
        }
        var b = PostgresBindings(capacity: 17)
        try b.append(seat.seatID)
        try b.append(seat.revision)
        try b.append(admitted.status.rawValue)
        try b.append(owner)
        try b.append(orderID)
        try b.append(checkIn.at)
        try b.append(checkIn.terminalID)
        try b.append(checkIn.staffID)
        try b.append("terminal \(request.terminalID), staff \(request.staffID)")
        try b.append(seat.status.rawValue)
        try b.append(verdict.result.rawValue)
        try b.append(verdict.reason.rawValue)
        try b.append(verdict.message)
        try b.append(request.doorHallID)
        try b.append(request.scanID)
        try b.append(request.codeDigest)
        try b.append(request.doorEventID)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let r = row.makeRandomAccess()
        return (
            try SeatRow.decode(row),
            EntryLog.Written(
                logID: try r["entry_log_id"].decode(Int64.self), scannedAt: try r["entry_scanned_at"].decode(Date.self))
        )
    }
}
