import Foundation
import UsherCore

extension InventoryStore {
    /// MarkCheckedIn with direction EXIT: a guest inside steps out, on a show with
    /// re-entry, and their next entry scan is a re-entry rather than DUPLICATE.
    ///
    /// - The same path as an admission: one batched read (``ScanRead``), the decision
    ///   in UsherCore (``ScanVerdict/decideExit(_:at:now:)``), one write that is its
    ///   own transaction (``PresenceWrite``), conditional on the revision read; a door
    ///   that lost a race reads again.
    /// - The scan id is an idempotency key as for an admission: a retry replays the
    ///   first answer (SUCCESS exit, or the code's NOT_FOUND / WRONG_HALL).
    /// - Not inside, out already, or a show without re-entry: nothing changes, the
    ///   refusal is logged (result NULL, its reason in words, without the scan id, so
    ///   a retry decides again), and it is FAILED_PRECONDITION with the sentence.
    func recordExit(_ request: ScanRequest) async throws(StoreError) -> ScanReport {
        try await scanAttempts(request, action: .exit) { lookup, read, batches in
            let found = read.found
            switch ScanVerdict.decideExit(lookup, at: request.door, now: read.now) {
            case .verdict(let verdict) where verdict.reason == .exit:
                guard let found else { throw StoreError.internalError("an exit of no seat") }
                let write = PresenceWrite(request: request, seat: found.seat, out: true, verdict: verdict)
                guard let (seat, log) = try await batches.presence.submit(write) else { return nil }
                return .answered(ScanReport(
                    verdict: verdict, seat: seat, hallName: found.hallName, eventName: found.eventName,
                    checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
            case .verdict(let verdict):
                let log = try await EntryLog.append(request, action: .exit, verdict: verdict, seat: found?.seat, through: batches)
                return .answered(ScanReport(
                    verdict: verdict, seat: found?.seat, hallName: found?.hallName, eventName: found?.eventName,
                    checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
            case .refused(let refusal):
                var unkeyed = request
                unkeyed.scanID = nil
                _ = try await batches.log(
                    EntryLog.Insert(
                        request: unkeyed, action: .exit, result: nil, reason: refusal.logReason,
                        message: "Exit not recorded: \(refusal)", seat: found?.seat, replayOf: nil,
                        durability: .synchronous))
                return .refused("Exit not recorded: \(refusal)")
            }
        }
    }
}
