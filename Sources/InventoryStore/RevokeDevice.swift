import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// `devices revoke`: the device's token and any pending enrollment code stop
    /// working on the next call. The row stays, for the audit trail (its name is in
    /// `entry_logs`); `devices roll` reinstates it.
    public func revokeDevice(named name: String) async throws(StoreError) -> DeviceRecord {
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE devices SET revoked_at = coalesce(revoked_at, now())
                WHERE name = \(name)
                RETURNING name, role, hall_id, created_at, enrolled_at, last_seen_at, revoked_at
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw StoreError.notFound("device \(name) does not exist") }
            let (name, role, hallID, created, enrolled, seen, revoked) =
                try row.decode((String, String, String?, Date, Date?, Date?, Date?).self)
            return DeviceRecord(
                identity: try DeviceIdentity(row: name, role: role, hallID: hallID), standing: .revoked,
                createdAt: created, enrolledAt: enrolled, lastSeenAt: seen, revokedAt: revoked)
        }
    }
}
