import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// ListDoors: every enrolled door (of `hallID`, or all), revoked ones left out,
    /// with how it stood at its last sync, whether overrides are locked on it (wrong
    /// supervisor PINs), and the database's clock to judge that by.
    /// A door that never synced is listed with no sync: it is there and not checking.
    public func doorBoard(hallID: String?) async throws(StoreError) -> DoorBoard {
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                SELECT d.name, d.hall_id, s.synced_at, s.offline, s.forced, s.pending_uploads, s.clock_skew_ms, now(),
                       CASE WHEN o.locked_until > now() THEN o.locked_until END
                FROM devices d LEFT JOIN door_status s ON s.terminal_id = d.name
                LEFT JOIN override_locks o ON o.terminal_id = d.name
                WHERE d.role = 'door' AND d.revoked_at IS NULL AND (\(hallID)::text IS NULL OR d.hall_id = \(hallID))
                ORDER BY d.hall_id, d.name
                """, logger: logger)
            var doors: [DoorStatus] = []
            // now() is the transaction's start: one clock for every row.
            var serverTime: Date?
            for try await (name, hall, syncedAt, offline, forced, pending, skew, now, locked)
                in rows.decode((String, String, Date?, Bool?, Bool?, Int32?, Int64?, Date, Date?).self)
            {
                serverTime = now
                var report: DoorReport?
                if let offline, let forced, let pending, let skew {
                    report = DoorReport(
                        offline: offline, forced: forced, pendingUploads: Int(pending), clockSkew: Double(skew) / 1000)
                }
                doors.append(
                    DoorStatus(
                        terminalID: name, hallID: hall, lastSyncAt: syncedAt, report: report, overridesLockedUntil: locked))
            }
            if serverTime == nil {
                serverTime = try await connection.query("SELECT now()", logger: logger).collect().first?.decode(Date.self)
            }
            return DoorBoard(doors: doors, serverTime: serverTime ?? Date())
        }
    }
}
