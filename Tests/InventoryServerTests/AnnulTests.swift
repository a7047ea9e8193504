import Foundation
import GRPCCore
import InventoryProto
import Testing
import UsherCore

/// Undoing a mistaken admission (AnnulCheckIn), through the real server: the ticket
/// admits again, a retry is a replay, and every refusal writes nothing.
@Suite("Annulling an admission", .timeLimit(.minutes(5)))
struct AnnulTests {
    @Test func anAnnulledTicketAdmitsAgainAndTheAuditSaysWhoAndWhy() async throws {
        try await withTestServer { server in
            _ = try await server.devices.token("door-a", role: .door, hall: "main")
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            let admitted = try await server.admit(code, terminal: "door-a", scanID: "scan-1")
            #expect(admitted.result == .success)

            let annul = try await server.annul("scan-1", annulID: "annul-1", reason: "scanned the wrong ticket", by: "door-a")
            #expect(annul.seat.status == .sold && !annul.replayed)
            #expect(annul.seat.ownerUserID.isEmpty, "a door is not told whose seat it is")
            #expect(annul.admittedTerminalID == "door-a" && annul.admittedAt == admitted.checkedInAt)
            #expect(try await server.seat("gala.stalls.A.1").status == .sold)

            // Retried with the same annul id: the same answer, marked replayed; nothing written.
            let before = try await server.inventoryChecksum()
            let again = try await server.annul("scan-1", annulID: "annul-1", reason: "scanned the wrong ticket", by: "door-a")
            #expect(again.replayed && again.logID == annul.logID && again.annulledAt == annul.annulledAt)
            #expect(try await server.inventoryChecksum() == before)

            // The next scan of the ticket is SUCCESS, not DUPLICATE.
            let readmitted = try await server.admit(code, terminal: "door-a", scanID: "scan-2")
            #expect(readmitted.result == .success, "\(readmitted.message)")

            // The audit: the ANNUL row names the terminal, the staff and the reason, and
            // the seat's history has the step back to SOLD.
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM entry_logs l JOIN annulments a ON a.log_id = l.log_id
                    WHERE l.action = 'ANNUL' AND l.terminal_id = 'door-a' AND l.scanned_by_staff_id = 'staff-1'
                      AND a.reason = 'scanned the wrong ticket'
                      AND a.admission_log_id = (SELECT log_id FROM entry_logs WHERE scan_id = 'scan-1' AND replay_of IS NULL)
                    """) == 1)
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM seat_history WHERE seat_id = 'gala.stalls.A.1' AND action = 'ANNUL'
                      AND from_status = 'CHECKED_IN' AND to_status = 'SOLD' AND user_id = 'staff-1'
                      AND detail LIKE '%scanned the wrong ticket%'
                    """) == 1)
        }
    }

    /// What may not be annulled is refused with the right status, and nothing changes.
    @Test func refusalsWriteNothing() async throws {
        try await withTestServer { server in
            for door in ["door-a", "door-b"] { _ = try await server.devices.token(door, role: .door, hall: "main") }
            _ = try await server.devices.token("sup", role: .supervisor)
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.admit(code, terminal: "door-a", scanID: "scan-1")
            _ = try await server.admit(code, terminal: "door-b", scanID: "scan-dup")
            let old = try await server.sell("gala.stalls.A.2", to: "bob")
            _ = try await server.admit(old, terminal: "door-a", scanID: "scan-old")
            // Three minutes ago, as the database has it: past a door's 2-minute window.
            _ = try await server.count(
                """
                WITH l AS (UPDATE entry_logs SET scanned_at = scanned_at - interval '3 minutes'
                           WHERE scan_id = 'scan-old' RETURNING 1),
                     s AS (UPDATE seats SET checked_in_at = checked_in_at - interval '3 minutes'
                           WHERE seat_id = 'gala.stalls.A.2' RETURNING 1)
                SELECT (SELECT count(*) FROM l) + (SELECT count(*) FROM s)
                """)

            let cases: [(String, String, String, RPCError.Code)] = [
                ("another door's admission", "scan-1", "door-b", .permissionDenied),
                ("a DUPLICATE scan", "scan-dup", "sup", .failedPrecondition),
                ("a scan nobody made", "scan-none", "sup", .notFound),
                ("an admission over 2 minutes old, by its door", "scan-old", "door-a", .failedPrecondition),
            ]
            for (label, scanID, caller, expected) in cases {
                let before = try await server.inventoryChecksum()
                let code = await rpcCode { _ = try await server.annul(scanID, annulID: UUID().uuidString, reason: "r", by: caller) }
                #expect(code == expected, "\(label): \(String(describing: code))")
                #expect(try await server.inventoryChecksum() == before, "\(label) changed the inventory")
            }
            let before = try await server.inventoryChecksum()
            let blank = await rpcCode { _ = try await server.annul("scan-1", annulID: "a-blank", reason: "  ", by: "door-a") }
            #expect(blank == .invalidArgument, "a reason is required")
            #expect(try await server.inventoryChecksum() == before)

            // A supervisor may annul any admission, however old.
            let bySupervisor = try await server.annul("scan-old", annulID: "annul-old", reason: "guest did not go in", by: "sup")
            #expect(bySupervisor.seat.status == .sold && bySupervisor.seat.ownerUserID == "bob")

            // Once annulled, a new annul id is refused (the retry of the first is a replay).
            _ = try await server.annul("scan-1", annulID: "annul-1", reason: "test scan", by: "door-a")
            let twice = await rpcCode { _ = try await server.annul("scan-1", annulID: "annul-2", reason: "again", by: "sup") }
            #expect(twice == .failedPrecondition)
            // The same annul id for another admission is a mistake, not a replay.
            let reused = await rpcCode { _ = try await server.annul("scan-old", annulID: "annul-1", reason: "x", by: "sup") }
            #expect(reused == .invalidArgument)

            // Admitted again since: the old admission cannot be annulled a second time,
            // and the new one is the guest's.
            _ = try await server.admit(code, terminal: "door-b", scanID: "scan-3")
            let stale = await rpcCode { _ = try await server.annul("scan-1", annulID: "annul-3", reason: "x", by: "sup") }
            #expect(stale == .failedPrecondition)
            #expect(try await server.seat("gala.stalls.A.1").status == .checkedIn)
        }
    }

    /// From a supervisor's seat details: the seat's current admission, whoever made it.
    @Test func aSupervisorUndoesASeatsCurrentAdmission() async throws {
        try await withTestServer { server in
            _ = try await server.devices.token("sup", role: .supervisor)
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.admit(code, terminal: "door-9", scanID: "scan-1")
            let shown = try await server.seat("gala.stalls.A.1").revision
            let undone = try await server.annul(
                seat: "gala.stalls.A.1", revision: shown, annulID: "a-1", reason: "guest did not go in", by: "sup")
            #expect(undone.seat.status == .sold && undone.admittedTerminalID == "door-9" && !undone.replayed)
            let replay = try await server.annul(
                seat: "gala.stalls.A.1", revision: shown, annulID: "a-1", reason: "guest did not go in", by: "sup")
            #expect(replay.replayed && replay.logID == undone.logID)

            // Let in again. Details opened before that show the old admission: refused,
            // nothing written. Looked at again, the new admission is undone.
            _ = try await server.admit(code, terminal: "door-3", scanID: "scan-2")
            let before = try await server.inventoryChecksum()
            let stale = await rpcCode {
                _ = try await server.annul(seat: "gala.stalls.A.1", revision: shown, annulID: "a-stale", reason: "x", by: "sup")
            }
            #expect(stale == .failedPrecondition)
            #expect(try await server.inventoryChecksum() == before)
            let second = try await server.annul(
                seat: "gala.stalls.A.1", revision: try await server.seat("gala.stalls.A.1").revision, annulID: "a-2",
                reason: "test scan", by: "sup")
            #expect(second.admittedTerminalID == "door-3")
            #expect(try await server.count("SELECT count(*) FROM annulments WHERE seat_id = 'gala.stalls.A.1'") == 2)

            _ = try await server.sell("gala.stalls.A.2", to: "bob")
            let cases: [(String, String, String, RPCError.Code)] = [
                ("a seat never scanned in", "", "gala.stalls.A.2", .failedPrecondition),
                ("both a scan and a seat", "scan-2", "gala.stalls.A.1", .invalidArgument),
                ("a seat without the revision it was shown at", "", "gala.stalls.A.1", .invalidArgument),
                ("neither", "", "", .invalidArgument),
            ]
            for (label, scanID, seat, expected) in cases {
                let before = try await server.inventoryChecksum()
                let revision: Int64 = seat == "gala.stalls.A.2" ? try await server.seat(seat).revision : 0
                let code = await rpcCode {
                    _ = try await server.annul(scanID, seat: seat, revision: revision, annulID: UUID().uuidString, reason: "r", by: "sup")
                }
                #expect(code == expected, "\(label): \(String(describing: code))")
                #expect(try await server.inventoryChecksum() == before, "\(label) changed the inventory")
            }
        }
    }

    /// A scan retried under its id after its admission was undone must not replay
    /// SUCCESS (nobody is in): it is refused, on record, and a new scan decides.
    /// Occupancy stops counting the undone admission.
    @Test func aRetryAfterTheAnnulIsRefusedAndANewScanAdmits() async throws {
        try await withTestServer { server in
            _ = try await server.devices.token("door-a", role: .door, hall: "main")
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.admit(code, terminal: "door-a", scanID: "scan-1")
            func arrivals() async throws -> Int {
                let report = try await server.inventory.getHallOccupancy(.with { $0.eventID = "gala" })
                return Int(report.halls.first?.admissionsPerMinute.reduce(0, +) ?? 0)
            }
            #expect(try await arrivals() == 1)
            _ = try await server.annul("scan-1", annulID: "annul-1", reason: "guest did not go in", by: "door-a")
            #expect(try await arrivals() == 0, "an undone admission is no arrival")

            let retry = await rpcCode { _ = try await server.admit(code, terminal: "door-a", scanID: "scan-1") }
            #expect(retry == .failedPrecondition)
            #expect(try await server.seat("gala.stalls.A.1").status == .sold, "nobody let in by the retry")
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM entry_logs WHERE scan_id = 'scan-1' AND result IS NULL AND reason = 'scan annulled'
                      AND replay_of = (SELECT log_id FROM entry_logs WHERE scan_id = 'scan-1' AND replay_of IS NULL)
                    """) == 1, "the refused retry is on record")
            #expect(try await server.admit(code, terminal: "door-a", scanID: "scan-2").result == .success)
            #expect(try await arrivals() == 1)
        }
    }
}
