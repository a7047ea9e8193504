import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// Checks the supervisor's PIN against their device, and counts a wrong one
    /// against the door (committed, then thrown). Any name that is not an enrolled
    /// supervisor's or admin's device with a PIN is a wrong PIN too, told the same
    /// way and hashed the same way (against a stand-in), so neither the answer nor
    /// its time says which part was wrong. The hash (about 0.1 s of CPU) runs outside
    /// any transaction: no connection or lock waits on it.
    func checkSupervisorPIN(_ supervisor: String, pin: String, at terminalID: String) async throws(StoreError) {
        let logger = self.logger
        let stored = try await transaction { connection -> SupervisorPIN? in
            let row = try await connection.query(
                """
                SELECT pin_sha256, pin_salt, pin_rounds FROM devices
                WHERE name = \(supervisor) AND role IN ('supervisor', 'admin') AND revoked_at IS NULL
                  AND pin_sha256 IS NOT NULL
                """, logger: logger
            ).collect().first
            guard let (hash, salt, rounds) = try row?.decode((Data, Data, Int32).self) else { return nil }
            return SupervisorPIN(hash: hash, salt: salt, rounds: Int(rounds))
        }
        let right: Bool
        do {
            right = try (stored ?? SupervisorPIN.standIn).matches(pin) && stored != nil
        } catch {
            throw .internalError("could not check the PIN: \(error)")
        }
        enum Check: Sendable {
            case right
            case locked(until: Date)
            case wrong(OverrideLock.Outcome)
        }
        let check = try await transaction { connection -> Check in
            // One door's PIN checks in turn, on every server, whether or not it has a row yet.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext('usher.override_locks'), hashtext(\(terminalID)))", logger: logger)
            let row = try await connection.query(
                """
                SELECT now(), l.failures, l.locked_until
                FROM (SELECT 1) one LEFT JOIN override_locks l ON l.terminal_id = \(terminalID)
                """, logger: logger
            ).collect().first
            guard let (now, failures, lockedUntil) = try row?.decode((Date, Int32?, Date?).self) else {
                throw StoreError.internalError("no clock for the PIN check")
            }
            let before = OverrideLock(failures: Int(failures ?? 0), lockedUntil: lockedUntil)
            // While locked, the PIN's answer is not given, right or wrong: a lockout
            // that still said "right" would not stop a guesser.
            if let until = before.locked(at: now) { return .locked(until: until) }
            var lock = before
            let check: Check
            if right {
                lock.rightPIN()
                check = .right
            } else {
                check = .wrong(lock.wrongPIN(at: now))
            }
            // Written only when it changed: a right PIN on a clean door writes nothing.
            if lock != before {
                try await connection.query(
                    """
                    INSERT INTO override_locks (terminal_id, failures, locked_until, last_failure_at)
                    VALUES (\(terminalID), \(Int32(lock.failures)), \(lock.lockedUntil), CASE WHEN \(right) THEN NULL ELSE now() END)
                    ON CONFLICT (terminal_id) DO UPDATE
                    SET failures = excluded.failures, locked_until = excluded.locked_until,
                        last_failure_at = coalesce(excluded.last_failure_at, override_locks.last_failure_at)
                    """, logger: logger)
            }
            return check
        }
        switch check {
        case .right:
            return
        case .locked(let until):
            throw .refused(
                "supervisor PINs (overrides, kiosk unlocks) are locked on this door until \(Timestamps.utc(until)) after "
                    + "\(OverridePolicy.maximumFailures) wrong PINs")
        case .wrong(.wrong(let left)):
            throw .permissionDenied(
                "wrong supervisor or PIN; \(left) more wrong \(left == 1 ? "PIN locks" : "PINs lock") supervisor PINs on this door "
                    + "for \(Int(OverridePolicy.lockout / 60)) minutes")
        case .wrong(.lockedNow(let until)):
            throw .permissionDenied(
                "wrong supervisor or PIN; supervisor PINs are now locked on this door until \(Timestamps.utc(until))")
        }
    }
}
