import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// MarkCheckedIn: admits the guest exactly once.
    ///
    /// - The verdict comes from UsherCore on a plain read; a SUCCESS is then applied
    ///   with one conditional UPDATE (`WHERE revision = <read revision>`). When N doors
    ///   race, PostgreSQL lets exactly one UPDATE match; the others re-read the seat,
    ///   now CHECKED_IN, and get DUPLICATE. No lock-then-update, no error.
    /// - `scanID` is an idempotency key. Same-key calls are serialised by a
    ///   transaction-scoped advisory lock, so a retry waits for the original and then
    ///   replays its stored verdict (`replayed = true`) instead of deciding again:
    ///   a terminal that lost the reply to its own SUCCESS never sees DUPLICATE.
    /// - Every call, a replay included, appends one `entry_logs` row in the same
    ///   transaction as the state change.
    public func markCheckedIn(_ request: ScanRequest) async throws(StoreError) -> ScanOutcome {
        let logger = self.logger
        let keyring = self.keyring
        return try await transaction { connection in
            if let scanID = request.scanID {
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended(\(scanID), 7573))", logger: logger)
                if let original = try await EntryLog.original(scanID: scanID, on: connection, logger: logger) {
                    return try await Self.replay(original, request, keyring: keyring, on: connection, logger: logger)
                }
            }
            // Bounded: each retry means another door admitted this seat (or it changed)
            // between our read and our write; the next read sees that and decides again.
            for _ in 0..<8 {
                let (lookup, found, now) = try await ScanLookup.lookUp(
                    request.ticketCode, keyring: keyring, on: connection, logger: logger)
                let verdict = ScanVerdict.decide(lookup, doorHallID: request.doorHallID, now: now, action: .admit)
                guard verdict.result == .success, let found else {
                    let log = try await EntryLog.append(
                        request, action: .admit, verdict: verdict, seat: found?.seat, on: connection, logger: logger)
                    return ScanOutcome(
                        verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                        checkedInAt: nil, replayed: false, logID: log.logID)
                }
                let checkIn = CheckIn(at: now, terminalID: request.terminalID, staffID: request.staffID)
                var state = found.seat.state
                do { _ = try state.checkIn(checkIn) } catch let violation as SeatRuleViolation { throw StoreError.rule(violation) }
                guard
                    let admitted = try await SeatRow.write(
                        state, over: found.seat, reissueTicket: false, on: connection, logger: logger)
                else { continue }
                try await SeatHistory.append(
                    seatID: admitted.seatID, action: "CHECK_IN", userID: admitted.state.ownerUserID,
                    detail: "terminal \(request.terminalID), staff \(request.staffID)", from: found.seat.status,
                    to: admitted, on: connection, logger: logger)
                var admittedVerdict = verdict
                admittedVerdict.firstCheckIn = checkIn
                let log = try await EntryLog.append(
                    request, action: .admit, verdict: admittedVerdict, seat: admitted, on: connection, logger: logger)
                return ScanOutcome(
                    verdict: admittedVerdict, seat: admitted, hallName: found.hallName, eventName: found.eventName,
                    checkedInAt: checkIn.at, replayed: false, logID: log.logID)
            }
            throw StoreError.seatBusy(seatID: "")
        }
    }

    /// Answers a repeated scan id with the original verdict, and logs the repeat.
    private static func replay(
        _ original: EntryLog.Original, _ request: ScanRequest, keyring: TicketKeyring,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ScanOutcome {
        // Same key, different scan: a terminal bug. Refuse rather than answer for another ticket.
        let seatID: String? =
            switch TicketCode.verify(request.ticketCode, keyring: keyring) {
            case .success(let claims): claims.seatID
            case .failure: nil
            }
        if original.seatID != nil && seatID != original.seatID || original.doorHallID != request.doorHallID
            || original.terminalID != request.terminalID
        {
            throw StoreError.invalidInput(
                InputError(field: "scan_id", problem: "was already used for a different scan"))
        }
        let (_, found, _) = try await ScanLookup.lookUp(
            request.ticketCode, keyring: keyring, on: connection, logger: logger)
        var firstCheckIn: CheckIn?
        if case .checkedIn(_, _, let checkIn)? = found?.seat.state { firstCheckIn = checkIn }
        let verdict = ScanVerdict(reason: original.reason, firstCheckIn: firstCheckIn, message: original.message)
        let log = try await EntryLog.append(
            request, action: .admit, verdict: verdict, seat: found?.seat, replayOf: original.logID,
            on: connection, logger: logger)
        return ScanOutcome(
            verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
            checkedInAt: original.reason == .valid ? original.scannedAt : nil, replayed: true, logID: log.logID)
    }
}
