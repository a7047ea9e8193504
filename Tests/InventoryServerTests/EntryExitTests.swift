import Foundation
import GRPCCore
import InventoryProto
import Testing
import UsherCore

/// Exit scans and re-entry, through the real server: who is inside now, and each
/// door's entries and exits, as `entry_logs` has them.
@Suite("Entry and exit", .timeLimit(.minutes(5)))
struct EntryExitTests {
    /// A hall with two shows on now: a concert that lets guests step out, and a
    /// gala that does not (the default).
    static let venue = """
        {
          "halls": [{"id": "main", "name": "Main Hall"}],
          "events": [
            {"id": "gig", "hall": "main", "name": "Gig", "starts": "now-1h", "ends": "now+3h", "reentry": true,
             "sections": [{"id": "floor", "name": "Floor", "rows": ["A"], "seats_per_row": 10}]},
            {"id": "gala", "hall": "main", "name": "Gala", "starts": "now-1h", "ends": "now+3h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 10}]}
          ]
        }
        """

    @Test func outThenBackInWithReentry() async throws {
        try await withTestServer(venue: Self.venue) { server in
            let code = try await server.sell("gig.floor.A.1", to: "ann")
            #expect(try await server.admit(code, terminal: "door-in").result == .success)

            let out = try await server.exit(code, terminal: "door-out", scanID: "out-1")
            #expect(out.result == .success && out.reason == .exit, "\(out.message)")
            #expect(out.seat.hasOutsideSince && out.seat.status == .checkedIn)
            // A retry of the same exit is its replay.
            let retried = try await server.exit(code, terminal: "door-out", scanID: "out-1")
            #expect(retried.replayed && retried.reason == .exit)
            // Out already: said, and nothing changes.
            let before = try await server.inventoryChecksumOfSeats()
            let twice = await rpcError { _ = try await server.exit(code, terminal: "door-out") }
            #expect(twice?.code == .failedPrecondition && twice?.message.contains("already scanned out") == true)
            #expect(try await server.inventoryChecksumOfSeats() == before)

            let occupancy = try #require(try await server.inventory.getHallOccupancy(.with { $0.eventID = "gig" }).halls.first)
            #expect(occupancy.checkedIn == 1 && occupancy.insideNow == 0)

            // Back in: SUCCESS (re-entry), not DUPLICATE; then in again is DUPLICATE.
            let back = try await server.admit(code, terminal: "door-in", scanID: "in-2")
            #expect(back.result == .success && back.reason == .reentry, "\(back.message)")
            #expect(!back.seat.hasOutsideSince)
            #expect(try await server.admit(code, terminal: "door-in").result == .duplicate)
            let again = try #require(try await server.inventory.getHallOccupancy(.with { $0.eventID = "gig" }).halls.first)
            #expect(again.checkedIn == 1 && again.insideNow == 1)
            #expect(again.admissionsPerMinute.reduce(0, +) == 1, "a re-entry is not a second admission")
            // The audit: an EXIT row and a re-entry ADMIT row, and the seat's history.
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE action = 'EXIT' AND result = 'SUCCESS' AND replay_of IS NULL") == 1)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE action = 'ADMIT' AND reason = 're-entry'") == 1)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM seat_history WHERE seat_id = 'gig.floor.A.1' AND action IN ('EXIT', 'REENTRY')") == 2)
        }
    }

    /// Back in at a door that was offline: its copy could not know the guest had
    /// stepped out, so it let them in on its own; the upload is a re-entry, not a conflict.
    @Test func anOfflineReentryUploadsAsAReentry() async throws {
        try await withTestServer(venue: Self.venue) { server in
            let code = try await server.sell("gig.floor.A.3", to: "dee")
            _ = try await server.admit(code, terminal: "door-in")
            _ = try await server.exit(code, terminal: "door-out")
            let upload = try await server.uploadOfflineAdmission(code, terminal: "door-off", scanID: "offline-back")
            #expect(upload.result == .success && upload.reason == .reentry && upload.conflictID == 0, "\(upload.message)")
            #expect(try await server.count("SELECT count(*) FROM scan_conflicts") == 0)
            #expect(!(try await server.seat("gig.floor.A.3").hasOutsideSince))
        }
    }

    /// A copy of the ticket let in at an offline door before the guest stepped out is
    /// a second person, not a re-entry: a conflict, and the guest is still out.
    @Test func anOfflineAdmissionBeforeTheExitIsAConflict() async throws {
        try await withTestServer(venue: Self.venue) { server in
            let code = try await server.sell("gig.floor.A.4", to: "eve")
            _ = try await server.admit(code, terminal: "door-in")
            _ = try await server.exit(code, terminal: "door-out", scanID: "out-e")
            let upload = try await server.uploadOfflineAdmission(
                code, terminal: "door-off", scanID: "offline-early", at: Date().addingTimeInterval(-60))
            #expect(upload.result == .duplicate && upload.conflictID != 0, "\(upload.message)")
            #expect(try await server.seat("gig.floor.A.4").hasOutsideSince)
            // A scan id is one way: an exit's id sent as an entry is another scan.
            #expect(await rpcCode { _ = try await server.admit(code, terminal: "door-out", scanID: "out-e") } == .invalidArgument)
        }
    }

    @Test func withoutReentryAnExitIsRefusedAndTheGuestStaysIn() async throws {
        try await withTestServer(venue: Self.venue) { server in
            let code = try await server.sell("gala.stalls.A.1", to: "bob")
            _ = try await server.admit(code, terminal: "door-in")
            let before = try await server.inventoryChecksumOfSeats()
            let refused = await rpcError { _ = try await server.exit(code, terminal: "door-out") }
            #expect(refused?.code == .failedPrecondition && refused?.message.contains("no re-entry for Gala") == true, "\(String(describing: refused))")
            #expect(try await server.inventoryChecksumOfSeats() == before)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE action = 'EXIT' AND result IS NULL AND reason = 'no re-entry'") == 1)
            #expect(try await server.admit(code, terminal: "door-in").result == .duplicate)

            // Never in: not inside. A forged code: NOT_FOUND, as at an entry.
            let unused = try await server.sell("gig.floor.A.2", to: "cy")
            let notIn = await rpcError { _ = try await server.exit(unused, terminal: "door-out") }
            #expect(notIn?.code == .failedPrecondition && notIn?.message.contains("not inside") == true)
            var forged = Array(unused)
            forged[forged.count - 3] = forged[forged.count - 3] == "A" ? "B" : "A"
            #expect(try await server.exit(String(forged), terminal: "door-out").result == .notFound)
        }
    }

    /// Inside now and each door's entries and exits are what `entry_logs` says.
    @Test func insideNowAndDoorFlowsMatchTheLog() async throws {
        try await withTestServer(venue: Self.venue) { server in
            var codes: [String] = []
            for n in 1...6 { codes.append(try await server.sell("gig.floor.A.\(n)", to: "g\(n)")) }
            for (i, code) in codes.enumerated() { _ = try await server.admit(code, terminal: i % 2 == 0 ? "door-1" : "door-2") }
            for code in codes.prefix(4) { _ = try await server.exit(code, terminal: "door-3") }
            _ = try await server.admit(codes[0], terminal: "door-1")  // back in
            _ = try await server.admit(codes[1], terminal: "door-2")  // back in

            let hall = try #require(try await server.inventory.getHallOccupancy(.with { $0.eventID = "gig" }).halls.first)
            #expect(hall.checkedIn == 6 && hall.insideNow == 4)
            // Inside: the seats whose newest successful in-or-out row is an entry.
            let inside = try await server.count(
                """
                SELECT count(*) FROM (
                    SELECT DISTINCT ON (seat_id) seat_id, action FROM entry_logs
                    WHERE result = 'SUCCESS' AND action IN ('ADMIT', 'EXIT') AND replay_of IS NULL
                    ORDER BY seat_id, scanned_at DESC, log_id DESC) last
                WHERE action = 'ADMIT'
                """)
            #expect(Int64(hall.insideNow) == inside)
            let flows = Dictionary(uniqueKeysWithValues: hall.doorFlows.map { ($0.terminalID, ($0.entries, $0.exits)) })
            for door in ["door-1", "door-2", "door-3"] {
                let entries = try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE terminal_id = \(door) AND action = 'ADMIT' AND result = 'SUCCESS' AND replay_of IS NULL")
                let exits = try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE terminal_id = \(door) AND action = 'EXIT' AND result = 'SUCCESS' AND replay_of IS NULL")
                #expect(flows[door].map { Int64($0.0) } == entries && flows[door].map { Int64($0.1) } == exits, "\(door): \(String(describing: flows[door]))")
            }
            #expect(flows["door-1"]?.0 == 4 && flows["door-3"]?.1 == 4)
        }
    }
}

extension TestServer {
    /// MarkCheckedIn with direction EXIT, at `terminal` (an admin device playing a door of main).
    func exit(_ code: String, terminal: String, scanID: String = UUID().uuidString) async throws -> Inventory_MarkCheckedInResponse {
        try await inventory.markCheckedIn(
            .with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-1"
                $0.terminalID = terminal
                $0.scanID = scanID
                $0.direction = .exit
            }, metadata: try await devices.metadata(terminal))
    }

    /// A digest of the seats alone: an exit that is refused changes none.
    func inventoryChecksumOfSeats() async throws -> String {
        try await withClient(database) { client in
            let rows = try await client.query(
                "SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY seat_id), '')) FROM seats s", logger: TestCluster.logger
            ).collect()
            return try rows.first?.decode(String.self) ?? ""
        }
    }
}
