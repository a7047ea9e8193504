import Foundation
import UsherCore

/// How a door handles a scan.
public enum ScanMode: Sendable, Hashable {
    /// Admit on the spot (MarkCheckedIn).
    case auto
    /// Show the verdict first (VerifyTicket) and admit only when staff confirm.
    case confirm
}

/// What a door scan ended with.
public struct DoorScanOutcome: Sendable, Hashable {
    /// The last answer: the admission when one was attempted, else the check.
    public var report: ScanReport
    /// True when MarkCheckedIn ran (the guest is in if `report.result` is SUCCESS).
    public var admissionAttempted: Bool
}

extension InventoryClient {
    /// One physical scan at a door. One `scan_id` is made here and used for every
    /// retry of this scan, so a retried admission is replayed, never DUPLICATE.
    ///
    /// In `.confirm` mode the code is verified first; `confirm` is asked only for a
    /// SUCCESS verdict, and the guest is admitted only if it returns true.
    public func scan(
        code: String, mode: ScanMode, at door: Door,
        confirm: @Sendable (ScanReport) async -> Bool = { _ in true }
    ) async throws(InventoryClientError) -> DoorScanOutcome {
        let scanID = UUID().uuidString.lowercased()
        switch mode {
        case .auto:
            return DoorScanOutcome(report: try await markCheckedIn(code, at: door, scanID: scanID), admissionAttempted: true)
        case .confirm:
            let check = try await verifyTicket(code, at: door)
            guard check.result == .success, await confirm(check) else {
                return DoorScanOutcome(report: check, admissionAttempted: false)
            }
            return DoorScanOutcome(report: try await markCheckedIn(code, at: door, scanID: scanID), admissionAttempted: true)
        }
    }
}
