import Foundation
import Logging
import PostgresNIO
import UsherCore

/// An override as a door asks for it: the scan that was turned away, under a scan id
/// of its own, and the supervisor's word.
public struct OverrideRequest: Sendable, Hashable {
    public var scan: ScanRequest
    public var reason: String
    /// The supervisor's device name, and the PIN they typed.
    public var supervisor: String
    public var pin: String

    public init(scan: ScanRequest, reason: String, supervisor: String, pin: String) {
        self.scan = scan
        self.reason = reason
        self.supervisor = supervisor
        self.pin = pin
    }
}

extension InventoryStore {
    /// OverrideCheckIn: lets in a guest a scan turned away, on a supervisor's PIN.
    ///
    /// - The scan id is the override's own. An original under it (a retry after a lost
    ///   reply) is replayed by MarkCheckedIn, the one owner of replays, before anything
    ///   else: a guest let in is never turned away by a retry, not even on a door
    ///   locked out since. The id is bound to this terminal and code, so a replay
    ///   tells the door nothing it was not told.
    /// - Then the PIN (``checkSupervisorPIN(_:)``): a wrong one is counted against the
    ///   door, committed, even though the call fails.
    /// - The ticket is decided again, now (UsherCore): only a denial that
    ///   ``OverridePolicy/mayOverride(_:)`` is admitted; a ticket that admits by itself
    ///   now is told to scan again, a forged or used one is refused. The first denial
    ///   is the one overridden; an unsold seat behind it is written down too.
    /// - The admission is one transaction: the seat (locked NOWAIT, only in the state
    ///   the verdict was decided on), `seat_history`, the `entry_logs` row (ADMIT,
    ///   SUCCESS, reason override, under the scan id) and the `overrides` row with the
    ///   supervisor, the reason and the denial. A refusal writes nothing.
    /// - A racing retry of the same override (the unique scan id) or a busy seat makes
    ///   the transaction fail as a whole; then the original, if one committed, is
    ///   replayed, and otherwise a busy seat is UNAVAILABLE (retry the same override).
    public func overrideCheckIn(_ request: OverrideRequest) async throws(StoreError) -> ScanReport {
        guard let scanID = request.scan.scanID else {
            throw .invalidInput(InputError(field: "scan_id", problem: "is required"))
        }
        let verified = TicketCode.verify(request.scan.ticketCode, keyring: keyring)
        let (lookup, read) = try await scanCall { batches in
            try await ScanRead.run(verified, scanID: scanID, through: batches)
        }
        if read.original != nil { return try await markCheckedIn(request.scan) }
        try await checkSupervisorPIN(request.supervisor, pin: request.pin, at: request.scan.terminalID)
        let denial = ScanVerdict.decide(lookup, at: request.scan.door, now: read.now, action: .admit)
        guard denial.reason != .valid else {
            throw .refused("the ticket admits without an override now; scan it again")
        }
        guard OverridePolicy.mayOverride(denial.reason), let found = read.found else {
            throw .refused("a \(denial.result.rawValue) (\(denial.reason.rawValue)) cannot be overridden: \(denial.message)")
        }
        do {
            return try await admitOverride(request, scanID: scanID, denial: denial, found: found)
        } catch {
            // A retry of this override may have won the race: its answer is ours.
            let again = try await scanCall { batches in try await ScanRead.run(verified, scanID: scanID, through: batches) }
            if again.row.original != nil { return try await markCheckedIn(request.scan) }
            if case .seatBusy = error { throw .unavailable("the seat is being changed; try the same override again") }
            throw error
        }
    }

    private func admitOverride(
        _ request: OverrideRequest, scanID: String, denial: ScanVerdict, found: ScanRead.Found
    ) async throws(StoreError) -> ScanReport {
        let logger = self.logger
        let keyring = self.keyring
        let scan = request.scan
        let seen = found.seat.revision
        // Hall or time is the denial said; an unpaid seat behind it is let in too, and said.
        let deniedMessage = denial.message + (found.seat.status == .sold ? "" : "; the seat was \(found.seat.status.rawValue)")
        return try await transaction(seatID: found.seat.seatID) { connection in
            let change = try await Self.applySeatEvent(
                found.seat.seatID, action: "OVERRIDE", userID: scan.staffID,
                detail: "terminal \(scan.terminalID), staff \(scan.staffID), supervisor \(request.supervisor): "
                    + "\(request.reason) (was \(denial.result.rawValue): \(denial.reason.rawValue))",
                transferID: nil,
                event: { state, now, seat throws(SeatRuleViolation) in
                    // The denial was decided on this revision; anything since is another story.
                    guard seat.revision == seen else { throw .changedSince }
                    return try state.overrideCheckIn(CheckIn(at: now, terminalID: scan.terminalID, staffID: scan.staffID))
                },
                keyring: keyring, on: connection, logger: logger)
            guard case .checkedIn(let checkIn) = change.effect else { throw StoreError.internalError("the override admitted no one") }
            let message = "Admitted by override (\(request.supervisor)): \(request.reason). "
                + "Was \(denial.result.rawValue): \(deniedMessage)"
            let logged = try await connection.query(
                """
                INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                                        hall_id_presented, hall_id_expected, scan_id, code_sha256, event_id_presented,
                                        scanned_at)
                VALUES (\(change.seat.seatID), \(scan.staffID), \(scan.terminalID), 'ADMIT', 'SUCCESS',
                        \(ScanReason.override.rawValue), \(message), \(scan.doorHallID), \(change.seat.hallID),
                        \(scanID), \(scan.codeDigest), \(scan.doorEventID), \(checkIn.at))
                RETURNING log_id
                """, logger: logger
            ).collect()
            guard let logID = try logged.first?.decode(Int64.self) else {
                throw StoreError.internalError("the override's log row was not written")
            }
            try await connection.query(
                """
                INSERT INTO overrides (log_id, supervisor, reason, denied_result, denied_reason, denied_message,
                                       terminal_id, staff_id)
                VALUES (\(logID), \(request.supervisor), \(request.reason), \(denial.result.rawValue),
                        \(denial.reason.rawValue), \(deniedMessage), \(scan.terminalID), \(scan.staffID))
                """, logger: logger)
            let verdict = ScanVerdict(reason: .override, firstCheckIn: checkIn, message: message)
            return ScanReport(
                verdict: verdict, seat: change.seat, hallName: found.hallName, eventName: found.eventName,
                checkedInAt: checkIn.at, replayed: false, scanID: scanID, logID: logID)
        }
    }
}
