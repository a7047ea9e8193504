import Foundation
import Logging
import PostgresNIO
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
        let verified = Self.verify(request, keyring: keyring)
        let attempt = try await scanCall { batches -> CheckInAttempt in
            for _ in 0..<Self.checkInAttempts {
                try Task.checkCancellation()
                let (lookup, read) = try await ScanRead.run(
                    verified, searchedSeat: request.seatID, scanID: request.scanID, through: batches)
                if let original = read.original {
                    if let problem = Self.mismatch(original, request, verified: verified) {
                        try await EntryLog.appendRefusal(request, original: original, problem: problem, through: batches)
                        return .invalid(InputError(field: "scan_id", problem: problem))
                    }
                    return .answered(try await Self.replay(original, request, read: read, action: .exit, through: batches))
                }
                let found = read.found
                do {
                    switch ScanVerdict.decideExit(lookup, at: request.door, now: read.now) {
                    case .verdict(let verdict) where verdict.reason == .exit:
                        guard let found else { throw StoreError.internalError("an exit of no seat") }
                        let write = PresenceWrite(request: request, seat: found.seat, out: true, verdict: verdict)
                        guard let (seat, log) = try await batches.presence.submit(write) else { continue }
                        return .answered(ScanReport(
                            verdict: verdict, seat: seat, hallName: found.hallName, eventName: found.eventName,
                            checkedInAt: nil, replayed: false, scanID: request.scanID, logID: log.logID))
                    case .verdict(let verdict):
                        let log = try await EntryLog.append(
                            request, action: .exit, verdict: verdict, seat: found?.seat, through: batches)
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
                } catch let error as PSQLError where Self.readsAgain(after: error) {
                    continue  // the statement wrote nothing; the next read sees why
                }
            }
            throw StoreError.unavailable("seat kept changing during \(Self.checkInAttempts) attempts")
        }
        return try attempt.report()
    }
}
