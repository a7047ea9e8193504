import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// EnrollDevice: exchanges a one-time enrollment secret for the device's token.
    ///
    /// One UPDATE does the exchange, so two terminals racing with the same code get
    /// one token between them. The secret's digest stays on the row, marked used
    /// (`enrolled_at`), so a second use is told "already used", not "unknown". An
    /// unknown, used or expired secret changes nothing.
    public func enrollDevice(secret: String) async throws(StoreError) -> EnrolledDevice {
        guard DeviceSecret.isWellFormed(secret) else { throw .unauthenticated("unknown enrollment code") }
        let logger = self.logger
        let digest = Data(DeviceSecret.digest(secret))
        let token = DeviceSecret.random()
        let tokenDigest = Data(DeviceSecret.digest(token))
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE devices SET token_sha256 = \(tokenDigest), enrolled_at = now()
                WHERE enrollment_sha256 = \(digest) AND enrolled_at IS NULL AND revoked_at IS NULL
                  AND enrollment_expires_at > now()
                RETURNING name, role, hall_id
                """, logger: logger
            ).collect()
            if let row = rows.first {
                let (name, role, hallID) = try row.decode((String, String, String?).self)
                return EnrolledDevice(device: try DeviceIdentity(row: name, role: role, hallID: hallID), token: token)
            }
            // Why not: said precisely, since staff will read it at a door.
            let found = try await connection.query(
                """
                SELECT name, enrolled_at IS NOT NULL, revoked_at IS NOT NULL, enrollment_expires_at
                FROM devices WHERE enrollment_sha256 = \(digest)
                """, logger: logger
            ).collect()
            guard let row = found.first else { throw StoreError.unauthenticated("unknown enrollment code") }
            let (name, used, revoked, expiresAt) = try row.decode((String, Bool, Bool, Date).self)
            if used { throw StoreError.unauthenticated("this enrollment code was already used (device \(name))") }
            if revoked { throw StoreError.unauthenticated("device \(name) is revoked; `devices roll \(name)` issues a new code") }
            throw StoreError.unauthenticated(
                "this enrollment code expired at \(Timestamps.utc(expiresAt)); `devices roll \(name)` issues a new one")
        }
    }
}
