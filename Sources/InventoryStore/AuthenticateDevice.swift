import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// Every authenticated call: the device a token belongs to, or UNAUTHENTICATED.
    ///
    /// One statement, on the hot path of every scan: the look-up by the token's
    /// digest (unique index), and `last_seen_at` brought up to date at most once a
    /// minute per device, so the look-up does not write a row version per call.
    /// Not cached: a revocation takes effect on the very next call.
    public func device(token: String) async throws(StoreError) -> DeviceIdentity {
        guard DeviceSecret.isWellFormed(token) else { throw .unauthenticated("unknown device credential") }
        let logger = self.logger
        let digest = Data(DeviceSecret.digest(token))
        let client = self.client
        return try await bounded {
            let rows = try await client.query(
                """
                WITH device AS (
                    SELECT device_id, name, role, hall_id, revoked_at, last_seen_at FROM devices
                    WHERE token_sha256 = \(digest)
                ), seen AS (
                    UPDATE devices SET last_seen_at = now()
                    WHERE device_id = (SELECT device_id FROM device WHERE revoked_at IS NULL)
                      AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')
                )
                SELECT name, role, hall_id, revoked_at IS NOT NULL FROM device
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw StoreError.unauthenticated("unknown device credential") }
            let (name, role, hallID, revoked) = try row.decode((String, String, String?, Bool).self)
            if revoked { throw StoreError.unauthenticated("device \(name) is revoked") }
            return try DeviceIdentity(row: name, role: role, hallID: hallID)
        }
    }
}
