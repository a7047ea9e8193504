import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// `devices roll`: a new enrollment secret for an existing device. Its current
    /// token stops working at once (the terminal must enroll again), and a revoked
    /// device is reinstated: rolling is how a found terminal comes back.
    public func rollDevice(named name: String) async throws(StoreError) -> EnrollmentGrant {
        let logger = self.logger
        let secret = DeviceSecret.random()
        let digest = Data(DeviceSecret.digest(secret))
        let lifetime = Double(Self.enrollmentLifetime.components.seconds)
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE devices SET token_sha256 = NULL, enrolled_at = NULL, revoked_at = NULL,
                                   enrollment_sha256 = \(digest),
                                   enrollment_expires_at = now() + make_interval(secs => \(lifetime))
                WHERE name = \(name)
                RETURNING name, role, hall_id, enrollment_expires_at
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw StoreError.notFound("device \(name) does not exist") }
            let (name, role, hallID, expiresAt) = try row.decode((String, String, String?, Date).self)
            return EnrollmentGrant(device: try DeviceIdentity(row: name, role: role, hallID: hallID), secret: secret, expiresAt: expiresAt)
        }
    }
}
