import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import Testing
import UsherCore

/// Letting a guest in anyway on a supervisor's PIN (OverrideCheckIn), through the real
/// server: what is admitted and logged, what is never overridable, and the lockout.
@Suite("Overriding a denial with a supervisor PIN", .timeLimit(.minutes(5)))
struct OverrideTests {
    @Test func theRightPINAdmitsAndTheAuditNamesTheSupervisor() async throws {
        try await withTestServer { server in
            try await Self.doorAndSupervisor(server)
            #expect(
                try await server.count("SELECT count(*) FROM devices WHERE name = 'sup-kim' AND pin_sha256 IS NOT NULL AND pin_salt IS NOT NULL")
                    == 1)
            #expect(
                try await server.count("SELECT count(*) FROM devices WHERE position(convert_to('4711', 'UTF8') IN pin_sha256) > 0") == 0,
                "the PIN is stored hashed")

            // A Studio ticket at a Main Hall door: WRONG_HALL, then let in.
            let code = try await server.sell("jazz.floor.A.1", to: "carol")
            let denied = try await server.admit(code, terminal: "door-a", scanID: "scan-1")
            #expect(denied.result == .wrongHall)
            let admitted = try await server.override(code, scanID: "ovr-1", reason: "guest list", supervisor: "sup-kim", pin: "4711")
            #expect(admitted.result == .success && admitted.reason == .override && !admitted.replayed)
            #expect(admitted.message.contains("sup-kim") && admitted.message.contains("guest list"), "\(admitted.message)")
            #expect(try await server.seat("jazz.floor.A.1").status == .checkedIn)
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM entry_logs l JOIN overrides o USING (log_id)
                    WHERE l.scan_id = 'ovr-1' AND l.action = 'ADMIT' AND l.result = 'SUCCESS' AND l.reason = 'override'
                      AND l.terminal_id = 'door-a' AND o.supervisor = 'sup-kim' AND o.reason = 'guest list'
                      AND o.denied_result = 'WRONG_HALL' AND o.denied_reason = 'wrong hall'
                    """) == 1)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM seat_history WHERE seat_id = 'jazz.floor.A.1' AND action = 'OVERRIDE' AND to_status = 'CHECKED_IN'")
                    == 1)

            // A retry of the override is a replay, not a second admission.
            let again = try await server.override(code, scanID: "ovr-1", reason: "guest list", supervisor: "sup-kim", pin: "4711")
            #expect(again.replayed && again.result == .success && again.reason == .override)
            #expect(try await server.count("SELECT count(*) FROM overrides") == 1)
            // The ticket is now used: scanning it again in its own hall is DUPLICATE.
            #expect(try await server.admit(code, hall: "studio", terminal: "door-studio").result == .duplicate)
        }
    }

    /// A retry sent while the first attempt is still on its way (the door gave up
    /// waiting): both are told SUCCESS, one admission is made, one is a replay.
    @Test func overlappingRetriesAdmitOnce() async throws {
        try await withTestServer { server in
            try await Self.doorAndSupervisor(server)
            let code = try await server.sell("jazz.floor.A.5", to: "carol")
            let answers = try await withThrowingTaskGroup(of: Inventory_MarkCheckedInResponse.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // A busy seat is UNAVAILABLE: the door retries the same override.
                        let deadline = ContinuousClock.now + .seconds(20)
                        while true {
                            do {
                                return try await server.override(
                                    code, scanID: "ovr-race", reason: "guest list", supervisor: "sup-kim", pin: "4711")
                            } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now < deadline {
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                    }
                }
                var answers: [Inventory_MarkCheckedInResponse] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.allSatisfy { $0.result == .success }, "\(answers.map(\.message))")
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(try await server.count("SELECT count(*) FROM overrides") == 1)
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE action = 'OVERRIDE'") == 1)
        }
    }

    /// An unpaid seat (sold, then refunded): admitted, and the seat is taken from then on.
    @Test func anUnpaidTicketLetInTakesTheSeat() async throws {
        try await withTestServer { server in
            _ = try await server.devices.token("door-a", role: .door, hall: "main")
            _ = try await server.devices.token("admin-lee", role: .admin)
            try await server.withStore { try await $0.setSupervisorPIN(named: "admin-lee", pin: "13579") }
            let code = try await server.sell("gala.stalls.B.4", to: "dan")
            _ = try await server.count(
                """
                WITH r AS (UPDATE seats SET status = 'AVAILABLE', owner_user_id = NULL, order_id = NULL
                           WHERE seat_id = 'gala.stalls.B.4' RETURNING 1) SELECT count(*) FROM r
                """)
            #expect(try await server.admit(code, terminal: "door-a").result == .unpaid)
            let admitted = try await server.override(
                code, scanID: "ovr-u", reason: "paid at the box office", supervisor: "admin-lee", pin: "13579")
            #expect(admitted.result == .success)
            let seat = try await server.seat("gala.stalls.B.4")
            #expect(seat.status == .checkedIn && seat.ownerUserID == OverridePolicy.unsoldOwner)
            #expect(admitted.seat.ownerUserID.isEmpty, "a door is not told who holds or owns the seat")
            // Nobody can buy the seat of a guest who is sitting in it.
            let reserve = await rpcCode { try await server.reserve("gala.stalls.B.4", by: "eve") }
            #expect(reserve == .failedPrecondition)
            // Undone (the guest did not go in after all): the seat is unsold again and
            // the code is UNPAID again, not a free ticket.
            _ = try await server.annul("ovr-u", annulID: "undo-u", reason: "guest did not go in", by: "door-a")
            #expect(try await server.seat("gala.stalls.B.4").status == .available)
            #expect(try await server.admit(code, terminal: "door-a").result == .unpaid)
        }
    }

    /// Forged, used or valid tickets are not overridden, and nothing is written.
    @Test func onlyADenialThatMayBeOverriddenIs() async throws {
        try await withTestServer { server in
            try await Self.doorAndSupervisor(server)
            let used = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.admit(used, terminal: "door-a")
            let valid = try await server.sell("gala.stalls.A.2", to: "bob")
            var forged = Array(valid)
            forged[forged.count - 3] = forged[forged.count - 3] == "A" ? "B" : "A"
            for (label, code) in [("a DUPLICATE", used), ("a forged code", String(forged)), ("a valid ticket", valid)] {
                let before = try await server.inventoryChecksum()
                let refused = await rpcCode {
                    _ = try await server.override(code, scanID: UUID().uuidString, reason: "guest list", supervisor: "sup-kim", pin: "4711")
                }
                #expect(refused == .failedPrecondition, "\(label): \(String(describing: refused))")
                #expect(try await server.inventoryChecksum() == before, "\(label) wrote something")
            }
            // Garbage is INVALID_ARGUMENT before anything is looked at.
            for (label, pin, reason) in [("a PIN of letters", "abcd", "x"), ("a 3-digit PIN", "123", "x"), ("no reason", "4711", "")] {
                let bad = await rpcCode {
                    _ = try await server.override(valid, scanID: UUID().uuidString, reason: reason, supervisor: "sup-kim", pin: pin)
                }
                #expect(bad == .invalidArgument, "\(label)")
            }
            #expect(try await server.count("SELECT count(*) FROM override_locks WHERE failures > 0") == 0)
        }
    }

    /// Five wrong PINs in a row lock overrides on that door for five minutes; the
    /// supervisor's door board shows it; another door is not affected.
    @Test func fiveWrongPINsLockTheDoor() async throws {
        try await withTestServer { server in
            for door in ["door-a", "door-b"] { _ = try await server.devices.token(door, role: .door, hall: "main") }
            _ = try await server.devices.token("sup-kim", role: .supervisor)
            _ = try await server.devices.token("sup-old", role: .supervisor)
            try await server.withStore { try await $0.setSupervisorPIN(named: "sup-kim", pin: "4711") }
            try await server.withStore { try await $0.setSupervisorPIN(named: "sup-old", pin: "2222") }
            _ = try await server.withStore { try await $0.revokeDevice(named: "sup-old") }
            let code = try await server.sell("jazz.floor.A.3", to: "carol")

            // Wrong in every way there is: a wrong PIN, a door's name (a door has no PIN: the
            // database refuses one), a revoked supervisor's right PIN, a name nobody has.
            let tries: [(String, String)] = [("sup-kim", "1111"), ("door-b", "4711"), ("sup-old", "2222"), ("nobody", "4711")]
            for (supervisor, pin) in tries {
                let wrong = await rpcCode {
                    _ = try await server.override(code, scanID: UUID().uuidString, reason: "r", supervisor: supervisor, pin: pin)
                }
                #expect(wrong == .permissionDenied, "\(supervisor) / \(pin)")
            }
            #expect(try await server.count("SELECT failures FROM override_locks WHERE terminal_id = 'door-a'") == 4)
            let fifth = await rpcError {
                _ = try await server.override(code, scanID: UUID().uuidString, reason: "r", supervisor: "sup-kim", pin: "0000")
            }
            #expect(fifth?.code == .permissionDenied && fifth?.message.contains("locked") == true, "\(String(describing: fifth))")
            // Locked: even the right PIN is refused, and nothing is admitted.
            let locked = await rpcError {
                _ = try await server.override(code, scanID: UUID().uuidString, reason: "r", supervisor: "sup-kim", pin: "4711")
            }
            #expect(locked?.code == .failedPrecondition && locked?.message.contains("locked") == true, "\(String(describing: locked))")
            #expect(try await server.seat("jazz.floor.A.3").status == .sold)

            let board = try await server.inventory.listDoors(.init(), metadata: try await server.devices.metadata("sup-kim"))
            let doorA = try #require(board.doors.first { $0.terminalID == "door-a" })
            #expect(doorA.hasOverridesLockedUntil)
            let left = doorA.overridesLockedUntil.date.timeIntervalSince(board.serverTime.date)
            #expect(left > 280 && left <= 300, "locked for 5 minutes: \(left) s")
            #expect(board.doors.first { $0.terminalID == "door-b" }?.hasOverridesLockedUntil == false)

            // Another door is not locked.
            let elsewhere = try await server.override(
                code, terminal: "door-b", scanID: "ovr-b", reason: "guest list", supervisor: "sup-kim", pin: "4711")
            #expect(elsewhere.result == .success)

            // Five minutes later (as the database has it), door-a may override again.
            _ = try await server.count(
                "WITH u AS (UPDATE override_locks SET locked_until = now() - interval '1 second' WHERE terminal_id = 'door-a' RETURNING 1) SELECT count(*) FROM u")
            let other = try await server.sell("jazz.floor.A.4", to: "dan")
            let after = try await server.override(other, scanID: "ovr-a", reason: "guest list", supervisor: "sup-kim", pin: "4711")
            #expect(after.result == .success)
            let unlocked = try await server.inventory.listDoors(.init(), metadata: try await server.devices.metadata("sup-kim"))
            #expect(unlocked.doors.first { $0.terminalID == "door-a" }?.hasOverridesLockedUntil == false)
        }
    }

    /// A kiosk unlock checks the same PIN, counts against the same per-door lockout,
    /// and is written down with what it was for.
    @Test func aKioskUnlockIsASupervisorsPINToo() async throws {
        try await withTestServer { server in
            try await Self.doorAndSupervisor(server)
            let door = try await server.devices.metadata("door-a")
            let unlocked = try await server.inventory.unlockKiosk(
                .with { $0.supervisor = "sup-kim"; $0.pin = "4711"; $0.action = "quit" }, metadata: door)
            #expect(unlocked.hasUnlockedAt)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM kiosk_unlocks WHERE terminal_id = 'door-a' AND supervisor = 'sup-kim' AND action = 'quit'") == 1)
            for _ in 0..<3 {
                let wrong = await rpcCode {
                    _ = try await server.inventory.unlockKiosk(.with { $0.supervisor = "sup-kim"; $0.pin = "0000"; $0.action = "quit" }, metadata: door)
                }
                #expect(wrong == .permissionDenied)
            }
            // Two more wrong PINs at an override lock the door for both.
            let code = try await server.sell("jazz.floor.A.1", to: "carol")
            for _ in 0..<2 {
                _ = await rpcCode { _ = try await server.override(code, scanID: UUID().uuidString, reason: "r", supervisor: "sup-kim", pin: "9999") }
            }
            let locked = await rpcCode {
                _ = try await server.inventory.unlockKiosk(.with { $0.supervisor = "sup-kim"; $0.pin = "4711"; $0.action = "quit" }, metadata: door)
            }
            #expect(locked == .failedPrecondition)
            #expect(try await server.count("SELECT count(*) FROM kiosk_unlocks") == 1)
            let garbage = await rpcCode {
                _ = try await server.inventory.unlockKiosk(.with { $0.supervisor = "sup-kim"; $0.pin = "47"; $0.action = "quit" }, metadata: door)
            }
            #expect(garbage == .invalidArgument)
        }
    }

    /// PINs belong to supervisors and admins, and only the operator sets them.
    @Test func onlySupervisorsAndAdminsHavePINs() async throws {
        try await withTestServer { server in
            _ = try await server.devices.token("door-a", role: .door, hall: "main")
            _ = try await server.devices.token("box-1", role: .boxOffice)
            for device in ["door-a", "box-1"] {
                await #expect(throws: StoreError.self, "\(device) may not have a PIN") {
                    try await server.withStore { try await $0.setSupervisorPIN(named: device, pin: "1234") }
                }
            }
            await #expect(throws: StoreError.self, "a PIN is digits") {
                _ = try await server.devices.token("sup-x", role: .supervisor)
                try await server.withStore { try await $0.setSupervisorPIN(named: "sup-x", pin: "12ab") }
            }
            #expect(try await server.count("SELECT count(*) FROM devices WHERE pin_sha256 IS NOT NULL") == 0)
            // The database itself refuses a door's PIN, whoever writes it.
            await #expect(throws: (any Error).self) {
                _ = try await server.count(
                    "WITH u AS (UPDATE devices SET pin_sha256 = sha256('x'), pin_salt = 'x', pin_rounds = 1 WHERE name = 'door-a' RETURNING 1) SELECT count(*) FROM u")
            }
        }
    }
}

extension OverrideTests {
    /// Door door-a of hall main, and supervisor sup-kim with PIN 4711.
    static func doorAndSupervisor(_ server: TestServer) async throws {
        _ = try await server.devices.token("door-a", role: .door, hall: "main")
        _ = try await server.devices.token("sup-kim", role: .supervisor)
        try await server.withStore { try await $0.setSupervisorPIN(named: "sup-kim", pin: "4711") }
    }
}

extension TestServer {
    /// OverrideCheckIn at `terminal` (a door of hall main).
    func override(
        _ code: String, terminal: String = "door-a", scanID: String, reason: String, supervisor: String, pin: String
    ) async throws -> Inventory_MarkCheckedInResponse {
        try await inventory.overrideCheckIn(
            .with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-1"
                $0.terminalID = terminal
                $0.scanID = scanID
                $0.reason = reason
                $0.supervisor = supervisor
                $0.pin = pin
            }, metadata: try await devices.metadata(terminal))
    }
}

/// The RPCError a call ends with, or nil when it succeeds.
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "\(error)")
    }
}
