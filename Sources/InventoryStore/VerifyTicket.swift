import Foundation
import UsherCore

extension InventoryStore {
    /// VerifyTicket: the verdict this code would get at this door, changing nothing
    /// but the audit trail (one VERIFY row).
    public func verifyTicket(_ request: ScanRequest) async throws(StoreError) -> ScanReport {
        let logger = self.logger
        let keyring = self.keyring
        return try await scanTransaction { connection in
            let (lookup, found, now) = try await ScanLookup.lookUp(
                request.ticketCode, keyring: keyring, on: connection, logger: logger)
            let verdict = ScanVerdict.decide(lookup, at: request.door, now: now, action: .verify)
            let log = try await EntryLog.append(
                request, action: .verify, verdict: verdict, seat: found?.seat, on: connection, logger: logger)
            return ScanReport(
                verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID)
        }
    }
}
