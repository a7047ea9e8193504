import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// How a door stands, as it said on its sync: one row per door, overwritten, at
    /// the database's clock (so "how long ago" is judged on one clock, never a
    /// door's). The row is the door's device (`terminalID` is its credential's name).
    public func recordDoorReport(terminalID: String, hallID: String, _ report: DoorReport) async throws(StoreError) {
        let logger = self.logger
        let skewMilliseconds = Int64((report.clockSkew * 1000).rounded())
        let pending = Int32(clamping: report.pendingUploads)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO door_status (terminal_id, hall_id, synced_at, offline, forced, pending_uploads, clock_skew_ms)
                VALUES (\(terminalID), \(hallID), now(), \(report.offline), \(report.forced), \(pending), \(skewMilliseconds))
                ON CONFLICT (terminal_id) DO UPDATE SET
                    hall_id = excluded.hall_id, synced_at = excluded.synced_at, offline = excluded.offline,
                    forced = excluded.forced, pending_uploads = excluded.pending_uploads,
                    clock_skew_ms = excluded.clock_skew_ms
                """, logger: logger)
        }
    }
}
