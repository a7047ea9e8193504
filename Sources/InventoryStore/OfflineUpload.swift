import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// MarkCheckedIn for a scan a door decided OFFLINE and uploads now: applied with
    /// the same exactly-once rules as a live scan, at the time the guest was at the
    /// door (the door's clock, corrected by its measured skew).
    ///
    /// - The scan id is the one the door made when it read the code. An upload that
    ///   is retried (its acknowledgement lost) finds its original row and replays it:
    ///   never a second admission, never a second conflict.
    /// - The guest was shown SUCCESS and went in: the server admits them if it agrees.
    ///   If it does not — the ticket was already admitted (at another door, online or
    ///   offline), or the server would have refused it (unpaid, revoked, unknown) — the
    ///   scan is recorded as a conflict: an ADMIT row with the server's verdict (a
    ///   DUPLICATE says OFFLINE_CONFLICT) and a `scan_conflicts` row that supervisors
    ///   see until one acknowledges it. The seat is not changed.
    /// - The guest was turned away: nothing is admitted, whatever the server thinks
    ///   now; the scan is logged as a VERIFY row (it changed nothing) with the
    ///   verdict the door showed beside it.
    /// - A scan id already answered for another code (or at another door) is refused
    ///   INVALID_ARGUMENT, as a live scan is: one log row on record, nothing else.
    /// - One transaction per upload (uploads are rare: after an outage), so the log
    ///   row, the offline columns and the conflict are written all or nothing. A
    ///   racing attempt with the same scan id fails on `entry_logs_scan_id` and goes
    ///   round again to replay; a seat changed under the admission goes round again
    ///   to decide on the new state.
    public func uploadOfflineScan(_ request: ScanRequest, offline: OfflineScan) async throws(StoreError) -> ScanReport {
        guard request.scanID != nil else {
            throw .invalidInput(InputError(field: "scan_id", problem: "is required for an offline upload"))
        }
        let verified = TicketCode.verify(request.ticketCode, keyring: keyring)
        let logger = self.logger
        let seatID = try? verified.get().seatID
        for _ in 0..<Self.checkInAttempts {
            let answer: Attempt
            do {
                answer = try await transaction(seatID: seatID) { connection in
                    do {
                        return try await Self.upload(request, offline: offline, verified: verified, on: connection, logger: logger)
                    } catch let error as PSQLError where Self.readsAgain(after: error) {
                        // Nothing of this attempt stays (the transaction rolls back); the
                        // next one reads what won.
                        throw StoreError.seatBusy(seatID: seatID ?? "")
                    }
                }
            } catch .seatBusy {
                continue
            }
            switch answer {
            case .answered(let report):
                return report
            case .changed:
                continue
            case .refused(let original, let problem):
                // Refused, as a live scan is: the attempt goes on record (one row,
                // nothing else), after the upload's own transaction wrote nothing.
                try await scanCall { batches in
                    try await EntryLog.appendRefusal(request, original: original, problem: problem, through: batches)
                }
                throw .invalidInput(InputError(field: "scan_id", problem: problem))
            }
        }
        throw .unavailable("seat kept changing during \(Self.checkInAttempts) attempts")
    }

    /// How one attempt ended.
    private enum Attempt: Sendable {
        case answered(ScanReport)
        /// The seat changed between the read and the write: decide again.
        case changed
        /// The scan id was already answered for another code or door: nothing written.
        case refused(EntryLog.Original, problem: String)
    }

    /// One attempt, in the upload's transaction.
    private static func upload(
        _ request: ScanRequest, offline: OfflineScan, verified: Result<TicketClaims, TicketCodeError>,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Attempt {
        let claims = try? verified.get()
        let row = try await ScanRead.batch([ScanRead(seatID: claims?.seatID, scanID: request.scanID)], on: connection, logger: logger)[0]
        let found = row.found
        if let original = row.original {
            if let problem = mismatch(original, request, verified: verified) { return .refused(original, problem: problem) }
            return .answered(try await replay(original, request, offline: offline, found: found, on: connection, logger: logger))
        }
        let lookup: TicketLookup
        switch verified {
        case .failure(let error): lookup = .unreadable(error.reason)
        case .success(let claims):
            lookup = found.map {
                .found(
                    ScanSubject(
                        seatID: $0.seat.seatID, event: $0.event, state: $0.seat.state, ticketSerial: $0.seat.ticketSerial,
                        outsideSince: $0.seat.outsideSince),
                    codeSerial: claims.serial)
            } ?? .unknownSeat
        }
        let at = offline.correctedScannedAt
        guard offline.shownResult == .success else {
            // Turned away at the door: on record, nothing admitted.
            let verdict = ScanVerdict.decide(lookup, at: request.door, now: at, action: .verify)
            let log = try await insertLog(request, action: .verify, verdict: verdict, seat: found?.seat, on: connection, logger: logger)
            try await markOffline(log.logID, offline, on: connection, logger: logger)
            return .answered(ScanReport(
                verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
        }
        var verdict = ScanVerdict.decide(lookup, at: request.door, now: at, action: .admit)
        // A guest who had stepped out came back in at a door that was offline: a
        // re-entry, not a conflict (the door's copy could not know they were out).
        // Only if they were out when the door let them in: a second person on the
        // ticket before the guest stepped out is a conflict, as ever.
        if verdict.reason == .reentry, let first = verdict.firstCheckIn, found?.seat.outsideSince.map({ $0 > at }) ?? true {
            verdict = ScanVerdict(
                reason: .alreadyCheckedIn, firstCheckIn: first,
                message: "Already checked in \(Timestamps.utc(first.at)) at terminal \(first.terminalID)")
        }
        if verdict.reason == .reentry, let found {
            let write = PresenceWrite(request: request, seat: found.seat, out: false, verdict: verdict, at: at)
            guard let (seat, log) = try await PresenceWrite.batch([write], on: connection, logger: logger)[0] else {
                return .changed
            }
            try await markOffline(log.logID, offline, on: connection, logger: logger)
            return .answered(ScanReport(
                verdict: verdict, seat: seat, hallName: found.hallName, eventName: found.eventName,
                checkedInAt: log.scannedAt, replayed: false, scanID: request.scanID, logID: log.logID))
        }
        if verdict.result == .success, let found {
            let checkIn = CheckIn(at: at, terminalID: request.terminalID, staffID: request.staffID)
            var state = found.seat.state
            do { _ = try state.checkIn(checkIn) } catch { throw StoreError.rule(error) }
            var admitted = verdict
            admitted.firstCheckIn = checkIn
            let write = AdmissionWrite(request: request, seat: found.seat, admitted: state, verdict: admitted)
            guard let (seat, log) = try await AdmissionWrite.batch([write], on: connection, logger: logger)[0] else {
                return .changed  // changed since the read: decide again
            }
            try await markOffline(log.logID, offline, on: connection, logger: logger)
            return .answered(ScanReport(
                verdict: admitted, seat: seat, hallName: found.hallName, eventName: found.eventName,
                checkedInAt: at, replayed: false, scanID: request.scanID, logID: log.logID))
        }
        // Admitted offline, and the server does not agree: a conflict.
        var first: CheckIn?
        if case .checkedIn(_, _, let checkIn)? = found?.seat.state { first = checkIn }
        let seatID = found?.seat.seatID ?? claims?.seatID ?? ""
        let message = ScanConflict.message(
            seatID: seatID, offlineTerminalID: request.terminalID, offlineAt: at, first: first, serverVerdict: verdict,
            in: request.door.timeZone)
        let conflict = ScanVerdict(
            reason: verdict.reason == .alreadyCheckedIn ? .offlineConflict : verdict.reason, firstCheckIn: first,
            message: message)
        let log = try await insertLog(request, action: .admit, verdict: conflict, seat: found?.seat, on: connection, logger: logger)
        try await markOffline(log.logID, offline, on: connection, logger: logger)
        let conflictID = try await recordConflict(
            request, logID: log.logID, seatID: seatID, hallID: found?.seat.hallID ?? claims?.hallID ?? request.doorHallID,
            eventID: found?.seat.eventID ?? claims?.eventID ?? "", first: first, offlineAt: at, reason: conflict.reason,
            message: message, on: connection, logger: logger)
        return .answered(ScanReport(
            verdict: conflict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
            checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID, conflictID: conflictID))
    }

    /// The conflict row supervisors see; one per scan id (a second attempt keeps the
    /// first and gets its id).
    private static func recordConflict(
        _ request: ScanRequest, logID: Int64, seatID: String, hallID: String, eventID: String, first: CheckIn?,
        offlineAt: Date, reason: ScanReason, message: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64? {
        let rows = try await connection.query(
            """
            INSERT INTO scan_conflicts (scan_id, log_id, seat_id, hall_id, event_id, first_at, first_terminal_id,
                                        first_staff_id, offline_at, offline_terminal_id, server_reason, message)
            VALUES (\(request.scanID), \(logID), \(seatID), \(hallID), \(eventID), \(first?.at), \(first?.terminalID),
                    \(first?.staffID), \(offlineAt), \(request.terminalID), \(reason.rawValue), \(message))
            ON CONFLICT (scan_id) DO UPDATE SET scan_id = excluded.scan_id
            RETURNING conflict_id
            """, logger: logger
        ).collect()
        return try rows.first?.decode(Int64.self)
    }

    /// A retried upload, or the upload of a scan the server answered online before the
    /// door lost the answer and decided it again offline (same scan id): the stored
    /// answer, and the retry on record. When what the door showed and what the server
    /// decided disagree on admission — the door let in a guest the server had refused,
    /// or turned away one the server had admitted — it is a conflict, recorded once.
    private static func replay(
        _ original: EntryLog.Original, _ request: ScanRequest, offline: OfflineScan, found: ScanRead.Found?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ScanReport {
        var firstCheckIn: CheckIn?
        if case .checkedIn(_, _, let checkIn)? = found?.seat.state { firstCheckIn = checkIn }
        let verdict = ScanVerdict(reason: original.reason, firstCheckIn: firstCheckIn, message: original.message)
        let action: ScanAction = offline.shownResult == .success ? .admit : .verify
        let log = try await insertLog(
            request, action: action, verdict: verdict, seat: found?.seat, replayOf: original.logID, on: connection,
            logger: logger)
        try await markOffline(log.logID, offline, on: connection, logger: logger)
        let conflicts = try await connection.query(
            "SELECT conflict_id FROM scan_conflicts WHERE scan_id = \(request.scanID)", logger: logger
        ).collect()
        var conflictID = try conflicts.first?.decode(Int64.self)
        // Admitted: any entry that let the guest in (a re-entry, an override too).
        let admitted = original.reason.result == .success && original.reason != .exit
        if conflictID == nil, (offline.shownResult == .success) != admitted {
            let seatID = found?.seat.seatID ?? original.seatID ?? ""
            let at = offline.correctedScannedAt
            let zone = request.door.timeZone
            let message: String
            let first: CheckIn?
            if admitted {
                let admission = CheckIn(at: original.scannedAt, terminalID: original.terminalID, staffID: request.staffID)
                first = firstCheckIn ?? admission
                message = ScanConflict.turnedAwayMessage(
                    seatID: seatID, admission: first ?? admission, shown: offline.shownResult, offlineAt: at, in: zone)
            } else {
                first = firstCheckIn
                message = ScanConflict.message(
                    seatID: seatID, offlineTerminalID: request.terminalID, offlineAt: at, first: first, serverVerdict: verdict,
                    in: zone)
            }
            conflictID = try await recordConflict(
                request, logID: log.logID, seatID: seatID, hallID: found?.seat.hallID ?? original.doorHallID,
                eventID: found?.seat.eventID ?? "", first: first, offlineAt: at,
                reason: admitted ? original.reason : (original.reason == .alreadyCheckedIn ? .offlineConflict : original.reason),
                message: message, on: connection, logger: logger)
        }
        return ScanReport(
            verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
            checkedInAt: admitted ? original.scannedAt : nil, replayed: true, scanID: request.scanID,
            logID: log.logID, conflictID: conflictID)
    }

    private static func insertLog(
        _ request: ScanRequest, action: ScanAction, verdict: ScanVerdict, seat: Seat?, replayOf: Int64? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> EntryLog.Written {
        let insert = EntryLog.Insert(
            request: request, action: action, result: verdict.result, reason: verdict.reason.rawValue,
            message: verdict.message, seat: seat, replayOf: replayOf, durability: .synchronous)
        return try await EntryLog.batch([insert], durability: .synchronous, on: connection, logger: logger)[0]
    }

    /// The door's own clock, its skew and what it showed, beside the corrected time.
    private static func markOffline(_ logID: Int64, _ offline: OfflineScan, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            UPDATE entry_logs SET offline_scanned_at = \(offline.scannedAt),
                                  clock_skew_ms = \(Int64((offline.clockSkew * 1000).rounded())),
                                  offline_result = \(offline.shownResult.rawValue)
            WHERE log_id = \(logID)
            """, logger: logger)
    }
}
