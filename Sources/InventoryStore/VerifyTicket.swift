import Foundation
import UsherCore

extension InventoryStore {
    /// VerifyTicket: the verdict this code would get at this door, changing nothing
    /// but the audit trail (one VERIFY row).
    ///
    /// Two round trips, no BEGIN or COMMIT: the scan's one read (``ScanRead``), then
    /// the log row, whose commit does not wait for the WAL flush
    /// (``EntryLog/Durability/relaxed``): a verify admits nobody, so the fsync bought
    /// nothing a door relies on.
    public func verifyTicket(_ request: ScanRequest) async throws(StoreError) -> ScanReport {
        let verified = TicketCode.verify(request.ticketCode, keyring: keyring)
        return try await scanCall { batches in
            let (lookup, read) = try await ScanRead.run(verified, scanID: nil, through: batches)
            let found = read.found
            let verdict = ScanVerdict.decide(lookup, at: request.door, now: read.now, action: .verify)
            let log = try await EntryLog.append(
                request, action: .verify, verdict: verdict, seat: found?.seat, through: batches)
            return ScanReport(
                verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID)
        }
    }
}
