import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// How long an enrollment code works: long enough to walk it to a door, short
    /// enough that a photo of it left on a desk is soon worthless.
    public static let enrollmentLifetime: Duration = .seconds(15 * 60)

    /// `devices add`: registers a device and returns its one-time enrollment secret.
    /// The name must be new (a lost terminal is rolled or revoked, never re-added
    /// over); a door's hall must exist. Only the secret's digest is stored.
    public func addDevice(_ device: DeviceIdentity) async throws(StoreError) -> EnrollmentGrant {
        let logger = self.logger
        let secret = DeviceSecret.random()
        let digest = Data(DeviceSecret.digest(secret))
        let lifetime = Double(Self.enrollmentLifetime.components.seconds)
        let role = device.role.rawValue
        return try await transaction { connection in
            if let hallID = device.hallID {
                let halls = try await connection.query("SELECT 1 FROM halls WHERE hall_id = \(hallID)", logger: logger).collect()
                guard !halls.isEmpty else { throw StoreError.notFound("hall \(hallID) does not exist") }
            }
            let rows = try await connection.query(
                """
                INSERT INTO devices (name, role, hall_id, enrollment_sha256, enrollment_expires_at)
                VALUES (\(device.name), \(role), \(device.hallID), \(digest), now() + make_interval(secs => \(lifetime)))
                ON CONFLICT (name) DO NOTHING
                RETURNING enrollment_expires_at
                """, logger: logger
            ).collect()
            guard let row = rows.first else {
                throw StoreError.alreadyExists(
                    "a device named \(device.name) exists; `devices roll \(device.name)` gives it a new enrollment code")
            }
            return EnrollmentGrant(device: device, secret: secret, expiresAt: try row.decode(Date.self))
        }
    }
}
