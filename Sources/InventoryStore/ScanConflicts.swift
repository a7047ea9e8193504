import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// ListConflicts: offline admissions the server could not confirm, newest first,
    /// at most ``conflictListLimit``. Unacknowledged only, unless asked: that list is
    /// the supervisors' alert box, read from a partial index that holds only them.
    public func conflicts(includeAcknowledged: Bool) async throws(StoreError) -> (conflicts: [ScanConflict], asOf: Date) {
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.conflictColumns) FROM scan_conflicts
                WHERE \(includeAcknowledged) OR acknowledged_at IS NULL
                ORDER BY recorded_at DESC, conflict_id DESC LIMIT \(Self.conflictListLimit)
                """, logger: logger
            ).collect()
            // now() is the transaction's start: the same for every row, and for none.
            let asOf = try await connection.query("SELECT now()", logger: logger).collect().first?.decode(Date.self)
            return (try rows.map(Self.decodeConflict), asOf ?? Date())
        }
    }

    public static let conflictListLimit = 200

    /// AcknowledgeConflict: a supervisor dealt with it. The first acknowledgement is
    /// kept (a retry, or a second supervisor, changes nothing), and the answer is the
    /// conflict as stored.
    public func acknowledgeConflict(id: Int64, by device: String) async throws(StoreError) -> ScanConflict {
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE scan_conflicts
                SET acknowledged_at = COALESCE(acknowledged_at, now()),
                    acknowledged_by = COALESCE(acknowledged_by, \(device))
                WHERE conflict_id = \(id)
                RETURNING \(unescaped: Self.conflictColumns)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw StoreError.notFound("conflict \(id) does not exist") }
            return try Self.decodeConflict(row)
        }
    }

    private static let conflictColumns = """
        conflict_id, scan_id, seat_id, hall_id, event_id, first_at, first_terminal_id, first_staff_id, offline_at,
        offline_terminal_id, server_reason, message, recorded_at, acknowledged_at, acknowledged_by
        """

    private static func decodeConflict(_ row: PostgresRow) throws -> ScanConflict {
        let r = row.makeRandomAccess()
        let reasonText = try r["server_reason"].decode(String.self)
        guard let reason = ScanReason(rawValue: reasonText) else {
            throw StoreError.internalError("unknown scan reason \(reasonText) in scan_conflicts")
        }
        let first = try r["first_at"].decode(Date?.self).map { at in
            CheckIn(
                at: at, terminalID: try r["first_terminal_id"].decode(String?.self) ?? "",
                staffID: try r["first_staff_id"].decode(String?.self) ?? "")
        }
        return ScanConflict(
            id: try r["conflict_id"].decode(Int64.self), seatID: try r["seat_id"].decode(String.self),
            hallID: try r["hall_id"].decode(String.self), eventID: try r["event_id"].decode(String.self), first: first,
            offlineAt: try r["offline_at"].decode(Date.self),
            offlineTerminalID: try r["offline_terminal_id"].decode(String.self), serverReason: reason,
            message: try r["message"].decode(String.self), recordedAt: try r["recorded_at"].decode(Date.self),
            acknowledgedAt: try r["acknowledged_at"].decode(Date?.self),
            acknowledgedBy: try r["acknowledged_by"].decode(String?.self), scanID: try r["scan_id"].decode(String.self))
    }
}
