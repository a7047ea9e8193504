import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// AnnulCheckIn: undoes one admission, named by its scan id or by the seat it
    /// checked in (the seat's current admission, by `entry_logs_seat`): the seat goes back
    /// to SOLD (the ticket admits again), with an `ANNUL` row in `entry_logs`, one in
    /// `seat_history` and one in `annulments`, in one transaction.
    ///
    /// - Idempotent by `annulID`: a retry (the reply was lost) is answered from the
    ///   `annulments` row as a replay and writes nothing; the same id for another
    ///   admission is INVALID_ARGUMENT.
    /// - Only an admission that let someone in (ADMIT, SUCCESS, not a replay), only
    ///   once (`annulments.admission_log_id` is unique), and only while the seat is
    ///   still checked in by it (``SeatState/annul(_:)``): an annul never undoes a
    ///   later admission. Every refusal writes nothing.
    /// - `asDoor`: the caller is a door, which may annul only its own admissions, within
    ///   ``AnnulPolicy/doorWindow`` by the database's clock.
    /// - The seat is locked NOWAIT like every other seat event, so an annul racing a
    ///   scan of the same ticket fails fast (ABORTED, retry) rather than queueing.
    public func annulCheckIn(_ request: AnnulRequest, asDoor: Bool) async throws(StoreError) -> AnnulOutcome {
        let logger = self.logger
        let keyring = self.keyring
        return try await transaction(seatID: nil) { connection in
            if let earlier = try await Self.annulment(request.annulID, on: connection, logger: logger) {
                // A door hears only its own annuls' answers.
                guard !asDoor || earlier.terminalID == request.terminalID else {
                    throw StoreError.permissionDenied("annul \(request.annulID) was made by another device")
                }
                let same: Bool
                switch request.admission {
                case .scan(let scanID): same = earlier.scanID == scanID
                case .seat(let seatID, _): same = earlier.seatID == seatID
                }
                guard same else {
                    throw StoreError.invalidInput(
                        InputError(field: "annul_id", problem: "was already used to annul another admission (seat \(earlier.seatID))"))
                }
                guard let seat = try await SeatRow.fetch(earlier.seatID, lock: false, on: connection, logger: logger)?.seat
                else { throw StoreError.seatNotFound(seatID: earlier.seatID) }
                return AnnulOutcome(
                    seat: seat, admission: earlier.admission, annulledAt: earlier.annulledAt, replayed: true,
                    logID: earlier.logID)
            }
            let admission = try await Self.admission(request.admission, on: connection, logger: logger)
            if asDoor, let refusal = AnnulPolicy.doorRefusal(admission.checkIn, terminalID: request.terminalID, now: admission.now) {
                switch refusal {
                case .anotherDoor: throw StoreError.permissionDenied(refusal.description)
                case .tooOld: throw StoreError.refused(refusal.description)
                }
            }
            if let annulled = try await connection.query(
                "SELECT annulled_at, terminal_id FROM annulments WHERE admission_log_id = \(admission.logID)", logger: logger
            ).collect().first {
                let (at, terminal) = try annulled.decode((Date, String).self)
                throw StoreError.refused("that admission was already annulled, at \(Timestamps.utc(at)) by \(terminal)")
            }
            let change = try await Self.applySeatEvent(
                admission.seatID, action: "ANNUL", userID: request.staffID,
                detail: "admitted \(Timestamps.utc(admission.checkIn.at)) at \(admission.checkIn.terminalID)"
                    + (admission.scanID.map { ", scan \($0)" } ?? "") + ": \(request.reason)",
                transferID: nil,
                event: { state, _, seat throws(SeatRuleViolation) in
                    // Seat details that are out of date showed another admission.
                    if case .seat(_, let seen) = request.admission, seen != seat.revision, case .checkedIn(_, _, let current) = state {
                        throw .notThisAdmission(current: current)
                    }
                    return try state.annul(admission.checkIn)
                },
                keyring: keyring, on: connection, logger: logger)
            let annulledAt = admission.now
            var outcome = AnnulOutcome(
                seat: change.seat, admission: admission.checkIn, annulledAt: annulledAt, replayed: false, logID: 0)
            let logged = try await connection.query(
                """
                INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                        hall_id_presented, scanned_at)
                VALUES (\(admission.seatID), \(request.staffID), \(request.terminalID), 'ANNUL', 'SUCCESS', 'ANNULLED',
                        \(outcome.message + (admission.scanID.map { " (scan \($0))" } ?? "") + ": " + request.reason),
                        \(change.seat.hallID), \(annulledAt))
                RETURNING log_id
                """, logger: logger
            ).collect()
            guard let logID = try logged.first?.decode(Int64.self) else {
                throw StoreError.internalError("the annul's log row was not written")
            }
            outcome.logID = logID
            try await connection.query(
                """
                INSERT INTO annulments (annul_id, admission_log_id, log_id, seat_id, annulled_at, terminal_id, staff_id, reason)
                VALUES (\(request.annulID), \(admission.logID), \(logID), \(admission.seatID), \(annulledAt),
                        \(request.terminalID), \(request.staffID), \(request.reason))
                """, logger: logger)
            return outcome
        }
    }

    /// The admission asked for, and the database's clock: the one a scan id made,
    /// or the newest that checked the seat in (``SeatState/annul(_:)`` then checks
    /// that the seat is still checked in by it).
    private static func admission(
        _ admission: AnnulRequest.Admission, on connection: PostgresConnection, logger: Logger
    ) async throws -> (logID: Int64, seatID: String, checkIn: CheckIn, scanID: String?, now: Date) {
        let columns = "l.log_id, l.seat_id, l.terminal_id, l.scanned_by_staff_id, l.scanned_at, l.action, l.result, l.scan_id, now()"
        let rows: [PostgresRow]
        switch admission {
        case .scan(let scanID):
            rows = try await connection.query(
                "SELECT \(unescaped: columns) FROM entry_logs l WHERE l.scan_id = \(scanID) AND l.replay_of IS NULL", logger: logger
            ).collect()
            guard !rows.isEmpty else { throw StoreError.notFound("no scan \(scanID) was recorded") }
        case .seat(let seatID, _):
            // The row of the seat's current check-in (an offline upload's time is its
            // corrected one, so the newest row need not be it), else the newest.
            rows = try await connection.query(
                """
                SELECT \(unescaped: columns) FROM entry_logs l JOIN seats s USING (seat_id)
                WHERE l.seat_id = \(seatID) AND l.action = 'ADMIT' AND l.result = 'SUCCESS' AND l.replay_of IS NULL
                ORDER BY (l.scanned_at = s.checked_in_at AND l.terminal_id = s.checked_in_terminal_id) DESC,
                         l.scanned_at DESC, l.log_id DESC
                LIMIT 1
                """, logger: logger
            ).collect()
            guard !rows.isEmpty else {
                throw StoreError.refused("seat \(seatID) has no admission to undo (it was never scanned in)")
            }
        }
        let (logID, seatID, terminalID, staffID, at, action, result, scanID, now) =
            try rows[0].decode((Int64, String?, String, String, Date, String, String?, String?, Date).self)
        guard action == "ADMIT", result == "SUCCESS", let seatID else {
            throw StoreError.refused(
                "that scan let nobody in (\(action == "ADMIT" ? result ?? "refused" : "a check only")); there is nothing to annul")
        }
        return (logID, seatID, CheckIn(at: at, terminalID: terminalID, staffID: staffID), scanID, now)
    }

    /// An annul already made under `annulID`.
    private static func annulment(
        _ annulID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (scanID: String?, seatID: String, admission: CheckIn, annulledAt: Date, logID: Int64, terminalID: String)? {
        let rows = try await connection.query(
            """
            SELECT e.scan_id, a.seat_id, e.terminal_id, e.scanned_by_staff_id, e.scanned_at, a.annulled_at, a.log_id,
                   a.terminal_id
            FROM annulments a JOIN entry_logs e ON e.log_id = a.admission_log_id
            WHERE a.annul_id = \(annulID)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (scanID, seatID, terminalID, staffID, at, annulledAt, logID, annulTerminal) =
            try row.decode((String?, String, String, String, Date, Date, Int64, String).self)
        return (scanID, seatID, CheckIn(at: at, terminalID: terminalID, staffID: staffID), annulledAt, logID, annulTerminal)
    }
}
