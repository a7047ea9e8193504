import Foundation
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// UnlockKiosk: a supervisor's PIN typed on a locked kiosk door, for `action`
    /// (quit, open an image, leave the door view…). The PIN is checked and a wrong one
    /// counted exactly as for an override (``checkSupervisorPIN(_:pin:at:)``: one
    /// lockout per door, whatever the PIN was for), and a right one is written down in
    /// `kiosk_unlocks`: who opened which terminal, when, for what. Returns the
    /// database's clock at the unlock.
    public func unlockKiosk(terminalID: String, supervisor: String, pin: String, action: String) async throws(StoreError) -> Date {
        try await checkSupervisorPIN(supervisor, pin: pin, at: terminalID)
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO kiosk_unlocks (terminal_id, supervisor, action) VALUES (\(terminalID), \(supervisor), \(action))
                RETURNING unlocked_at
                """, logger: logger
            ).collect()
            guard let at = try rows.first?.decode(Date.self) else { throw StoreError.internalError("the unlock was not written") }
            return at
        }
    }
}
