import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// `devices set-pin`: sets (or replaces) the PIN a supervisor types on a door to
    /// let a guest in anyway (OverrideCheckIn). Only a supervisor's or an admin's
    /// device may have one: a door's PIN would let a door vouch for itself. Stored as
    /// ``SupervisorPIN`` only. A revoked device's PIN stops working with its token.
    public func setSupervisorPIN(named name: String, pin: String) async throws(StoreError) {
        let pin = try Self.validated { () throws(InputError) in try OverridePolicy.pin(pin) }
        let stored: SupervisorPIN
        do { stored = try SupervisorPIN.make(pin) } catch {
            throw StoreError.internalError("could not hash the PIN: \(error)")
        }
        let logger = self.logger
        try await transaction { connection in
            let rows = try await connection.query(
                "SELECT role, revoked_at IS NOT NULL FROM devices WHERE name = \(name) FOR UPDATE", logger: logger
            ).collect()
            guard let (role, revoked) = try rows.first?.decode((String, Bool).self) else {
                throw StoreError.notFound("device \(name) does not exist")
            }
            guard role == "supervisor" || role == "admin" else {
                throw StoreError.permissionDenied(
                    "\(name) is a \(role) device; only a supervisor's or an admin's device has an override PIN")
            }
            guard !revoked else { throw StoreError.refused("\(name) is revoked; roll it first (devices roll)") }
            try await connection.query(
                """
                UPDATE devices SET pin_sha256 = \(stored.hash), pin_salt = \(stored.salt),
                                   pin_rounds = \(Int32(stored.rounds)), pin_set_at = now()
                WHERE name = \(name)
                """, logger: logger)
        }
    }

    static func validated<T>(_ body: () throws(InputError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw .invalidInput(error) }
    }
}
