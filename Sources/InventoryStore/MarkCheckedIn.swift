import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// MarkCheckedIn: admits the guest exactly once, and never answers a door with
    /// "busy": every racing door gets a verdict.
    ///
    /// - The verdict comes from UsherCore on a plain read; a SUCCESS is then applied
    ///   with one conditional UPDATE (`WHERE revision = <read revision>`). When N doors
    ///   race, PostgreSQL lets exactly one UPDATE match; the others re-read the seat,
    ///   now CHECKED_IN, and get DUPLICATE with the winner's time and terminal.
    /// - The UPDATE runs inside a savepoint that a losing door rolls back at once. Why:
    ///   a READ COMMITTED UPDATE that waited for the winner re-checks its WHERE on the
    ///   new row version *after locking it*, and keeps that lock even though it updates
    ///   nothing. Each loser then held the seat until its own commit, the next loser
    ///   queued behind it, and with 64 doors the last in line waited past
    ///   lock_timeout: 55P03, ABORTED, a guest turned away (the `twoServersAdmitExactlyOnce`
    ///   flake). Rolling back to the savepoint drops that lock after one round trip.
    /// - Waits are short and retried here, not at the door: the transaction's
    ///   lock_timeout is ``checkInLockTimeout``; a seat still locked after it (a box-office
    ///   write, say) is read and decided again, until the store's call bound, which
    ///   ends as UNAVAILABLE (safe to retry with the same scan id), never ABORTED.
    /// - `scanID` is an idempotency key, bound to the SHA-256 of the code it first
    ///   came with (and to its door and terminal). Same-key calls are serialised by a
    ///   transaction-scoped advisory lock, so a retry waits for the original and then
    ///   replays its stored verdict (`replayed = true`) instead of deciding again:
    ///   a terminal that lost the reply to its own SUCCESS never sees DUPLICATE. A retry
    ///   that cannot get the key's lock in time (the original is still running) is
    ///   UNAVAILABLE too: retrying again replays the original once it has committed.
    ///   The same key with another code is INVALID_ARGUMENT: a replay answers for the
    ///   code the original admitted, never for a different one, even for the same seat.
    /// - Every call, a replay and a refused key included, appends one `entry_logs` row
    ///   in the same transaction as the state change (a refusal changes nothing else).
    public func markCheckedIn(_ request: ScanRequest) async throws(StoreError) -> ScanReport {
        let logger = self.logger
        let keyring = self.keyring
        // A refusal is returned, not thrown, so its log row commits; it is thrown after.
        let attempt = try await scanTransaction { connection -> CheckInAttempt in
            if let scanID = request.scanID {
                // The key's lock waits for an earlier attempt still running, within the
                // session's lock_timeout (2 s) and the call's bound (a door's deadline cuts
                // it shorter); giving up is UNAVAILABLE (scanTransaction), and the door's
                // next retry replays the original. Then this transaction's shorter bound
                // for seat locks: same statement, one round trip. (PostgreSQL evaluates a
                // select list in order; were it not to, the key's wait would only be shorter.)
                try await connection.query(
                    """
                    SELECT pg_advisory_xact_lock(hashtextextended(\(scanID), 7573)),
                           set_config('lock_timeout', \(Self.checkInLockTimeout), true)
                    """, logger: logger)
                if let original = try await EntryLog.original(scanID: scanID, on: connection, logger: logger) {
                    if let problem = Self.mismatch(original, request, keyring: keyring) {
                        try await EntryLog.appendRefusal(
                            request, original: original, problem: problem, on: connection, logger: logger)
                        return .refused(InputError(field: "scan_id", problem: problem))
                    }
                    return .answered(
                        try await Self.replay(original, request, keyring: keyring, on: connection, logger: logger))
                }
            } else {
                try await connection.query(
                    "SELECT set_config('lock_timeout', \(Self.checkInLockTimeout), true)", logger: logger)
            }
            // Bounded twice: by attempts here, and by the store's call bound around the
            // transaction. Each attempt means the seat changed (or stayed locked) between
            // our read and our write; the next read sees that and decides again.
            for _ in 0..<Self.checkInAttempts {
                // Abandoned by its call bound (the door was already told UNAVAILABLE):
                // stop here rather than admit behind the door's back. A commit already
                // on its way may still land; the scan id makes the retry replay it.
                try Task.checkCancellation()
                let (lookup, found, now) = try await ScanLookup.lookUp(
                    request.ticketCode, keyring: keyring, on: connection, logger: logger)
                let verdict = ScanVerdict.decide(lookup, at: request.door, now: now, action: .admit)
                guard verdict.result == .success, let found else {
                    let log = try await EntryLog.append(
                        request, action: .admit, verdict: verdict, seat: found?.seat, on: connection, logger: logger)
                    return .answered(ScanReport(
                        verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                        checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
                }
                let checkIn = CheckIn(at: now, terminalID: request.terminalID, staffID: request.staffID)
                var state = found.seat.state
                do { _ = try state.checkIn(checkIn) } catch let violation as SeatRuleViolation { throw StoreError.rule(violation) }
                guard
                    let admitted = try await Self.writeOrStandAside(state, over: found.seat, on: connection, logger: logger)
                else { continue }
                try await SeatHistory.append(
                    seatID: admitted.seatID, action: "CHECK_IN", userID: admitted.state.ownerUserID,
                    detail: "terminal \(request.terminalID), staff \(request.staffID)", from: found.seat.status,
                    to: admitted, on: connection, logger: logger)
                var admittedVerdict = verdict
                admittedVerdict.firstCheckIn = checkIn
                let log = try await EntryLog.append(
                    request, action: .admit, verdict: admittedVerdict, seat: admitted, on: connection, logger: logger)
                return .answered(ScanReport(
                    verdict: admittedVerdict, seat: admitted, hallName: found.hallName, eventName: found.eventName,
                    checkedInAt: checkIn.at, replayed: false, scanID: request.scanID, logID: log.logID))
            }
            throw StoreError.unavailable("seat kept changing during \(Self.checkInAttempts) attempts")
        }
        switch attempt {
        case .answered(let outcome): return outcome
        case .refused(let problem): throw .invalidInput(problem)
        }
    }

    private enum CheckInAttempt: Sendable {
        case answered(ScanReport)
        /// The scan id belongs to another scan; the refusal is logged, nothing else written.
        case refused(InputError)
    }

    /// Why `request` is not a repeat of `original`, or nil when it is. The id is bound
    /// to the code's digest; rows from before that binding fall back to the seat.
    private static func mismatch(_ original: EntryLog.Original, _ request: ScanRequest, keyring: TicketKeyring) -> String? {
        let sameCode: Bool
        if let digest = original.codeDigest {
            sameCode = digest == request.codeDigest
        } else {
            let seatID: String? =
                switch TicketCode.verify(request.ticketCode, keyring: keyring) {
                case .success(let claims): claims.seatID
                case .failure: nil
                }
            sameCode = original.seatID == nil || seatID == original.seatID
        }
        if !sameCode { return "was already used for a different ticket code" }
        if original.doorHallID != request.doorHallID { return "was already used at a door of another hall" }
        if original.terminalID != request.terminalID { return "was already used by another terminal" }
        return nil
    }

    /// How long one check-in statement waits for a lock before it reads and decides
    /// again. Far below the door's 1.5 s scan deadline; a winner's commit takes
    /// milliseconds, so this is only reached behind a slow box-office write.
    static let checkInLockTimeout = "300ms"
    static let checkInAttempts = 20
    static let lockNotAvailable = "55P03"

    /// The admission's UPDATE in a savepoint: returns the admitted seat, or nil when
    /// another writer got there first (or held the seat past ``checkInLockTimeout``),
    /// in which case every lock the UPDATE took is already released again.
    private static func writeOrStandAside(
        _ state: SeatState, over seat: Seat, on connection: PostgresConnection, logger: Logger
    ) async throws -> Seat? {
        try await connection.query("SAVEPOINT check_in_write", logger: logger)
        do {
            if let admitted = try await SeatRow.write(state, over: seat, reissueTicket: false, on: connection, logger: logger) {
                return admitted
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == lockNotAvailable {
            // Fall through: roll back the failed statement and try again.
        }
        try await connection.query("ROLLBACK TO SAVEPOINT check_in_write", logger: logger)
        return nil
    }

    /// Answers a repeated scan id with the original verdict, and logs the repeat.
    private static func replay(
        _ original: EntryLog.Original, _ request: ScanRequest, keyring: TicketKeyring,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ScanReport {
        let (_, found, _) = try await ScanLookup.lookUp(
            request.ticketCode, keyring: keyring, on: connection, logger: logger)
        var firstCheckIn: CheckIn?
        if case .checkedIn(_, _, let checkIn)? = found?.seat.state { firstCheckIn = checkIn }
        let verdict = ScanVerdict(reason: original.reason, firstCheckIn: firstCheckIn, message: original.message)
        let log = try await EntryLog.append(
            request, action: .admit, verdict: verdict, seat: found?.seat, replayOf: original.logID,
            on: connection, logger: logger)
        return ScanReport(
            verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
            checkedInAt: original.reason == .valid ? original.scannedAt : nil, replayed: true, scanID: request.scanID, logID: log.logID)
    }
}
