import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// MarkCheckedIn: admits the guest exactly once, and never answers a door with
    /// "busy": every racing door gets a verdict.
    ///
    /// - Two round trips on the way in, and no BEGIN or COMMIT: one read
    ///   (``ScanRead``: the seat, its event, the clock and any earlier answer for this
    ///   scan id), then one write that is its own transaction (``AdmissionWrite`` for a
    ///   SUCCESS, ``EntryLog/Insert`` for anything else). Both are prepared statements,
    ///   each shared with the scans of other doors at the same moment (``ScanBatches``).
    ///   The verdict comes from UsherCore on that read, never from SQL.
    /// - Racing doors: the admission's UPDATE is conditional on the revision read.
    ///   When N doors race, exactly one matches; each other door's statement matched
    ///   nothing and has already ended (holding no lock), so it reads again, now sees
    ///   CHECKED_IN, and answers DUPLICATE with the winner's time and terminal.
    /// - A seat locked by a slow writer (a box-office transaction) makes the UPDATE wait,
    ///   within the session's lock_timeout; giving up (55P03) reads and decides again,
    ///   until the store's call bound, which ends as UNAVAILABLE (safe to retry with the
    ///   same scan id), never ABORTED.
    /// - `scanID` is an idempotency key, bound to the SHA-256 of the code it first came
    ///   with (and to its door and terminal). Its first answer is the one `entry_logs`
    ///   row for that key with `replay_of IS NULL`, kept unique by an index: an attempt
    ///   racing the original waits on that row and then fails as a whole (nothing
    ///   written), reads the original, and replays its stored verdict (`replayed = true`)
    ///   instead of deciding again. A terminal that lost the reply to its own SUCCESS
    ///   never sees DUPLICATE. The same key with another code is INVALID_ARGUMENT: a
    ///   replay answers for the code the original admitted, never for a different one,
    ///   even for the same seat. A scan id whose admission was annulled since is
    ///   FAILED_PRECONDITION (its SUCCESS is no longer true; a new scan decides).
    /// - Every call, a replay and a refused key included, appends one `entry_logs` row,
    ///   in the same statement as the state change it reports, if any. Admissions commit
    ///   synchronously (`synchronous_commit` as configured, on by default).
    public func markCheckedIn(_ request: ScanRequest) async throws(StoreError) -> ScanReport {
        if request.direction == .exit { return try await recordExit(request) }
        return try await scanAttempts(request, action: .admit) { lookup, read, batches in
            let found = read.found
            var verdict = ScanVerdict.decide(lookup, at: request.door, now: read.now, action: .admit)
            // The audit says a guest came in without a code, found by search.
            if let seat = request.seatID, verdict.reason == .valid {
                verdict.message = "Admitted without a code (found by search): seat \(seat)"
            }
            // Back in after stepping out: the seat stays checked in by its first
            // admission; only `outside_since` is cleared (``PresenceWrite``).
            if verdict.reason == .reentry, let found {
                let write = PresenceWrite(request: request, seat: found.seat, out: false, verdict: verdict)
                guard let (seat, log) = try await batches.presence.submit(write) else { return nil }
                return .answered(ScanReport(
                    verdict: verdict, seat: seat, hallName: found.hallName, eventName: found.eventName,
                    checkedInAt: log.scannedAt, replayed: false, scanID: request.scanID, logID: log.logID))
            }
            guard verdict.result == .success, let found else {
                let log = try await EntryLog.append(request, action: .admit, verdict: verdict, seat: found?.seat, through: batches)
                return .answered(ScanReport(
                    verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                    checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
            }
            let checkIn = CheckIn(at: read.now, terminalID: request.terminalID, staffID: request.staffID)
            var state = found.seat.state
            do { _ = try state.checkIn(checkIn) } catch let violation as SeatRuleViolation { throw StoreError.rule(violation) }
            var admittedVerdict = verdict
            admittedVerdict.firstCheckIn = checkIn
            let write = AdmissionWrite(request: request, seat: found.seat, admitted: state, verdict: admittedVerdict)
            // Nothing matched: another writer changed the seat first. Read again.
            guard let (admitted, log) = try await batches.admissions.submit(write) else { return nil }
            return .answered(ScanReport(
                verdict: admittedVerdict, seat: admitted, hallName: found.hallName, eventName: found.eventName,
                checkedInAt: checkIn.at, replayed: false, scanID: request.scanID, logID: log.logID))
        }
    }

    /// The attempts of one scan that may write (an admission, an exit): read; answer an
    /// earlier original under the scan id (refuse a reused or undone one, else replay
    /// it); else let `decide` answer from the read, or return nil when its write
    /// matched nothing (the seat changed: read again).
    ///
    /// - A refusal is returned, not thrown, so its log row commits; it is thrown after.
    /// - Bounded twice: by attempts here, and by the store's call bound around the
    ///   call. Each further attempt means the seat changed (or stayed locked), or the
    ///   scan id was answered, between our read and our write; the next read sees it.
    func scanAttempts(
        _ request: ScanRequest, action: ScanAction,
        decide: @escaping @Sendable (TicketLookup, ScanRead.Row, ScanBatches) async throws -> CheckInAttempt?
    ) async throws(StoreError) -> ScanReport {
        let verified = Self.verify(request, keyring: keyring)
        let attempt = try await scanCall { batches -> CheckInAttempt in
            for _ in 0..<Self.checkInAttempts {
                // Abandoned by its call bound (the door was already told UNAVAILABLE):
                // stop here rather than write behind the door's back. A write already on
                // its way may still land; the scan id makes the retry replay it.
                try Task.checkCancellation()
                let (lookup, read) = try await ScanRead.run(
                    verified, searchedSeat: request.seatID, scanID: request.scanID, through: batches)
                if let original = read.original {
                    if let problem = Self.mismatch(original, request, verified: verified) {
                        try await EntryLog.appendRefusal(
                            request, original: original, problem: problem, through: batches)
                        return .invalid(InputError(field: "scan_id", problem: problem))
                    }
                    // Its admission was undone since: replaying SUCCESS would show a
                    // guest let in who is not. Nothing is decided under this id again
                    // (it would be a second original); a new scan of the ticket is.
                    if original.annulled {
                        let problem = "belongs to an admission that was undone (annulled); scan the ticket again"
                        try await EntryLog.appendRefusal(
                            request, original: original, problem: problem, reason: EntryLog.annulledScanReason,
                            through: batches)
                        return .refused("Refused: this scan id \(problem)")
                    }
                    return .answered(try await Self.replay(original, request, read: read, action: action, through: batches))
                }
                do {
                    if let answer = try await decide(lookup, read, batches) { return answer }
                } catch let error as PSQLError where Self.readsAgain(after: error) {
                    continue  // the statement wrote nothing; the next read sees why
                }
            }
            throw StoreError.unavailable("seat kept changing during \(Self.checkInAttempts) attempts")
        }
        return try attempt.report()
    }

    /// How a scan's attempts ended (an admission's, an exit's): a refusal is returned,
    /// not thrown, so that its log row commits; ``report()`` throws it after.
    enum CheckInAttempt: Sendable {
        case answered(ScanReport)
        /// The scan id belongs to another scan; the refusal is logged, nothing else written.
        case invalid(InputError)
        /// Refused in words (an undone admission's scan id, an exit not recorded);
        /// logged, nothing else written.
        case refused(String)

        func report() throws(StoreError) -> ScanReport {
            switch self {
            case .answered(let report): return report
            case .invalid(let problem): throw .invalidInput(problem)
            case .refused(let sentence): throw .refused(sentence)
            }
        }
    }

    /// Why `request` is not a repeat of `original`, or nil when it is. The id is bound
    /// to the code's digest; rows from before that binding fall back to the seat.
    static func mismatch(
        _ original: EntryLog.Original, _ request: ScanRequest, verified: Result<TicketClaims, TicketCodeError>
    ) -> String? {
        let sameCode: Bool
        if let digest = original.codeDigest {
            sameCode = digest == request.codeDigest
        } else {
            sameCode = original.seatID == nil || (try? verified.get())?.seatID == original.seatID
        }
        if !sameCode { return "was already used for a different ticket code" }
        if original.exit != (request.direction == .exit) { return "was already used for a scan the other way (in or out)" }
        if original.doorHallID != request.doorHallID { return "was already used at a door of another hall" }
        if original.terminalID != request.terminalID { return "was already used by another terminal" }
        return nil
    }

    static let checkInAttempts = 20

    /// The code's claims; a searched seat has no code (its lookup ignores this).
    static func verify(_ request: ScanRequest, keyring: TicketKeyring) -> Result<TicketClaims, TicketCodeError> {
        TicketCode.verify(request.seatID == nil ? request.ticketCode : "", keyring: keyring)
    }

    /// A write that failed as a whole and is decided again from a fresh read: the seat
    /// stayed locked past lock_timeout (55P03), or another attempt with this scan id
    /// committed first (the unique index on originals: 23505).
    static func readsAgain(after error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState].map(PostgresError.Code.init(raw:)) else { return false }
        if state == .lockNotAvailable { return true }
        return state == .uniqueViolation && error.serverInfo?[.constraintName] == "entry_logs_scan_id"
    }

    /// Answers a repeated scan id with the original verdict, and logs the repeat.
    static func replay(
        _ original: EntryLog.Original, _ request: ScanRequest, read: ScanRead.Row, action: ScanAction = .admit,
        through batches: ScanBatches
    ) async throws -> ScanReport {
        let found = read.found
        var firstCheckIn: CheckIn?
        if case .checkedIn(_, _, let checkIn)? = found?.seat.state { firstCheckIn = checkIn }
        let verdict = ScanVerdict(reason: original.reason, firstCheckIn: firstCheckIn, message: original.message)
        let log = try await EntryLog.append(
            request, action: action, verdict: verdict, seat: found?.seat, replayOf: original.logID,
            through: batches)
        return ScanReport(
            verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
            checkedInAt: original.reason.result == .success ? original.scannedAt : nil, replayed: true, scanID: request.scanID, logID: log.logID)
    }
}
