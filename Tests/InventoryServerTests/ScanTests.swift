import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing
import UsherCore

@Suite("Scans: verdicts, exactly-once admission and the audit trail", .timeLimit(.minutes(5)))
struct ScanTests {
    @Test func everyVerdictIsLoggedOnce() async throws {
        try await withTestServer { server in
            let ticket = try await server.sell("gala.stalls.A.1", to: "alice")
            let studioTicket = try await server.sell("jazz.floor.A.1", to: "bob")
            let endedTicket = try await server.sell("matinee.stalls.A.1", to: "carol")
            try await server.reserve("gala.stalls.A.2", by: "dave")

            let success = try await server.admit(ticket, terminal: "door-3")
            #expect(success.result == .success && success.reason == .valid)
            #expect(success.hasCheckedInAt && success.hasFirstCheckedInAt)
            #expect(success.seat.status == .checkedIn)
            #expect(success.hallName == "Main Hall" && success.eventName == "Gala")

            let duplicate = try await server.admit(ticket, terminal: "door-4")
            #expect(duplicate.result == .duplicate && duplicate.reason == .alreadyCheckedIn)
            #expect(duplicate.firstCheckedInTerminalID == "door-3")
            #expect(duplicate.firstCheckedInAt == success.checkedInAt)
            #expect(duplicate.message.contains("door-3"))
            #expect(!duplicate.hasCheckedInAt)

            let wrongHall = try await server.admit(studioTicket, hall: "main")
            #expect(wrongHall.result == .wrongHall && wrongHall.ticketHallID == "studio")

            let expired = try await server.admit(endedTicket)
            #expect(expired.result == .expired && expired.reason == .eventEnded)

            let held = try await server.admit(TestKeys.code(seat: "gala.stalls.A.2"))
            #expect(held.result == .unpaid && held.reason == .holdNotPaid)
            let available = try await server.admit(TestKeys.code(seat: "gala.stalls.A.3"))
            #expect(available.result == .unpaid && available.reason == .notSold)

            let unknown = try await server.admit(TestKeys.code(seat: "gala.stalls.Z.99"))
            #expect(unknown.result == .notFound && unknown.reason == .unknownSeat && !unknown.hasSeat)
            let garbage = try await server.admit("#!not a code!#")
            #expect(garbage.result == .notFound && garbage.reason == .malformed)

            // Verify gives the same verdicts without admitting.
            let fresh = try await server.sell("gala.stalls.B.1", to: "erin")
            #expect(try await server.verify(fresh).result == .success)
            #expect(try await server.seat("gala.stalls.B.1").status == .sold)
            #expect(try await server.verify(ticket).result == .duplicate)
            #expect(try await server.verify(studioTicket).result == .wrongHall)
            #expect(try await server.verify(endedTicket).result == .expired)
            #expect(try await server.verify(TestKeys.code(seat: "gala.stalls.A.2")).result == .unpaid)
            #expect(try await server.verify(TestKeys.code(seat: "no.such.seat")).result == .notFound)

            // 8 admits + 6 verifies, one row each, with the columns filled in.
            #expect(try await server.entryLogCount() == 14)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE action = 'VERIFY'") == 6)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE seat_id IS NULL") == 3)
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM entry_logs
                    WHERE result = 'WRONG_HALL' AND hall_id_presented = 'main' AND hall_id_expected = 'studio'
                      AND scanned_by_staff_id = 'staff-1' AND terminal_id = 'door-1'
                    """) == 2)
        }
    }

    @Test func forgedAndForeignCodesAreNotFound() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.8", to: "alice")
            var characters = Array(code)
            characters[characters.count / 2] = characters[characters.count / 2] == "A" ? "B" : "A"
            let altered = try await server.admit(String(characters))
            #expect(altered.result == .notFound && altered.reason == .malformed && !altered.hasSeat)
            let foreign = TicketCode.issue(
                TicketClaims(seatID: "gala.stalls.B.8", eventID: "gala", hallID: "main", serial: 1,
                             validFrom: Date(), validUntil: Date().addingTimeInterval(3600)),
                signer: TicketSigningKey.generate())
            let unknownKey = try await server.admit(foreign)
            #expect(unknownKey.result == .notFound && unknownKey.reason == .unknownKey)
            #expect(try await server.seat("gala.stalls.B.8").status == .sold, "nothing was admitted")
        }
    }

    @Test func verificationKeysAreServed() async throws {
        try await withTestServer { server in
            let response = try await server.inventory.getVerificationKeys(.init())
            #expect(response.keys.count == 1)
            let key = try #require(response.keys.first)
            #expect(key.algorithm == "ed25519" && key.signing)
            #expect(key.keyID == TestKeys.signer.keyID.description)
            #expect(key.publicKey == TestKeys.signer.verificationKey.rawRepresentation)
            // A terminal can verify a sold ticket with only these keys.
            let code = try await server.sell("gala.stalls.B.9", to: "alice")
            let offline = TicketKeyring(signer: nil, alsoAccepted: [try TicketVerificationKey(rawRepresentation: key.publicKey)])
            #expect(try TicketCode.verify(code, keyring: offline).get().seatID == "gala.stalls.B.9")
        }
    }

    @Test func sixtyFourConcurrentAdmissionsGiveOneSuccess() async throws {
        try await withTestServer { server in
            let ticket = try await server.sell("gala.stalls.B.2", to: "alice")
            let results = try await server.admitFromDoors(ticket, doors: 64)
            #expect(results.filter { $0 == .success }.count == 1)
            #expect(results.filter { $0 == .duplicate }.count == 63)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE replay_of IS NULL") == 64, "one row per door's scan (retries are replays)")
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result = 'SUCCESS' AND replay_of IS NULL") == 1)
        }
    }

    @Test func replayedScanIDReturnsTheOriginalVerdict() async throws {
        try await withTestServer { server in
            let ticket = try await server.sell("gala.stalls.B.3", to: "alice")
            let first = try await server.admit(ticket, terminal: "door-1", scanID: "scan-1")
            #expect(first.result == .success && !first.replayed)
            // The terminal lost the reply and retries: it must see its own SUCCESS, not DUPLICATE.
            let retry = try await server.admit(ticket, terminal: "door-1", scanID: "scan-1")
            #expect(retry.result == .success && retry.replayed)
            #expect(retry.checkedInAt == first.checkedInAt)
            #expect(retry.message == first.message)
            // Another scan of the same ticket is a duplicate.
            #expect(try await server.admit(ticket, terminal: "door-2", scanID: "scan-2").result == .duplicate)
            // Concurrent retries of one scan id: still one original, all SUCCESS.
            let ticket2 = try await server.sell("gala.stalls.B.4", to: "bob")
            let results = try await withThrowingTaskGroup(of: Inventory_MarkCheckedInResponse.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await server.admit(ticket2, terminal: "door-5", scanID: "scan-x") }
                }
                var all: [Inventory_MarkCheckedInResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            #expect(results.allSatisfy { $0.result == .success })
            #expect(results.filter { !$0.replayed }.count == 1)
            // Every call is logged; replays point at their original.
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE replay_of IS NOT NULL") == 8)
            #expect(try await server.entryLogCount() == 11)
            // Reusing a scan id for a different ticket is a broken client: refused, with
            // one log row for the attempt and nothing else written.
            #expect(await rpcCode { _ = try await server.admit(ticket2, terminal: "door-1", scanID: "scan-1") } == .invalidArgument)
            #expect(try await server.entryLogCount() == 12)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result IS NULL") == 1)
        }
    }

    @Test func transferRevokesTheOldCodeAndTheNewOneAdmits() async throws {
        try await withTestServer { server in
            let oldCode = try await server.sell("gala.stalls.B.5", to: "alice")
            let transferred = try await server.transfer("gala.stalls.B.5", from: "alice", to: "bob", id: "t-1")
            #expect(transferred.seat.ownerUserID == "bob")
            // A retried transfer (lost reply, same transfer_id) succeeds without another change.
            let retried = try await server.transfer("gala.stalls.B.5", from: "alice", to: "bob", id: "t-1")
            #expect(retried.seat.revision == transferred.seat.revision)
            #expect(transferred.ticketCode != oldCode)
            #expect(retried.ticketCode == transferred.ticketCode)
            let revoked = try await server.admit(oldCode)
            #expect(revoked.result == .notFound && revoked.reason == .revokedByTransfer)
            #expect(try await server.verify(oldCode).reason == .revokedByTransfer)
            let admitted = try await server.admit(transferred.ticketCode)
            #expect(admitted.result == .success && admitted.seat.ownerUserID == "bob")
            #expect(try await server.admit(transferred.ticketCode).result == .duplicate)
        }
    }
}
