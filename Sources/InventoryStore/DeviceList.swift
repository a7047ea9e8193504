import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// `devices list`: every device, by name, with where it stands.
    public func devices() async throws(StoreError) -> [DeviceRecord] {
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                SELECT name, role, hall_id, created_at, enrolled_at, last_seen_at, revoked_at,
                       token_sha256 IS NOT NULL, enrollment_expires_at > now()
                FROM devices ORDER BY name
                """, logger: logger)
            var records: [DeviceRecord] = []
            for try await (name, role, hallID, created, enrolled, seen, revoked, hasToken, codeValid) in rows.decode(
                (String, String, String?, Date, Date?, Date?, Date?, Bool, Bool?).self)
            {
                let standing: DeviceRecord.Standing =
                    if revoked != nil { .revoked } else if hasToken { .enrolled } else if codeValid == true {
                        .awaitingEnrollment
                    } else { .enrollmentExpired }
                records.append(
                    DeviceRecord(
                        identity: try DeviceIdentity(row: name, role: role, hallID: hallID), standing: standing,
                        createdAt: created, enrolledAt: enrolled, lastSeenAt: seen, revokedAt: revoked))
            }
            return records
        }
    }
}
