import Foundation
import GRPCCore
import InventoryProto
import Testing
import UsherCore

/// Finding a guest without a code (SearchSeats), through the real server.
@Suite("Finding a guest without a code", .timeLimit(.minutes(5)))
struct SearchTests {
    @Test func bySeatOrderOrOwnerInTheDoorsHallWithoutOwnerIds() async throws {
        try await withTestServer { server in
            let door = try await server.devices.metadata("door-s", role: .door, hall: "main")
            let supervisor = try await server.devices.metadata("sup-s", role: .supervisor)
            try await server.reserve("gala.stalls.A.1", by: "alice")
            _ = try await server.confirm("gala.stalls.A.1", by: "alice", order: "ord-77")
            try await server.reserve("gala.stalls.B.4", by: "alice")
            _ = try await server.confirm("gala.stalls.B.4", by: "alice", order: "ord-78")
            _ = try await server.sell("jazz.floor.A.1", to: "alice")  // the studio: not this door's hall
            try await server.reserve("gala.stalls.A.3", by: "hank")

            func search(_ query: String, as metadata: Metadata, hall: String = "") async throws -> Inventory_SearchSeatsResponse {
                try await server.inventory.searchSeats(.with { $0.query = query; $0.hallID = hall }, metadata: metadata)
            }
            // A seat, however it is typed; only events not yet ended (the matinee's A 1 is over).
            for query in ["A 1", "a-1", "A1", "row A seat 1"] {
                let found = try await search(query, as: door)
                #expect(found.seats.map(\.seatID) == ["gala.stalls.A.1"], "\(query)")
            }
            #expect(try await search("ord-78", as: door).seats.map(\.seatID) == ["gala.stalls.B.4"])
            let byOwner = try await search("alice", as: door)
            #expect(byOwner.seats.map(\.seatID) == ["gala.stalls.A.1", "gala.stalls.B.4"], "venue order, this hall only")
            #expect(byOwner.seats.allSatisfy { $0.ownerUserID.isEmpty && $0.status == .sold }, "a door sees no owner ids")
            let asSupervisor = try await search("alice", as: supervisor, hall: "main")
            #expect(asSupervisor.seats.allSatisfy { $0.ownerUserID == "alice" })

            let held = try await search("A 3", as: door)
            #expect(held.seats.map(\.status) == [.held] && held.seats[0].heldByUserID.isEmpty, "no holder's id either")
            #expect(try await search("A 3", as: supervisor, hall: "main").seats.first?.heldByUserID == "hank")
            #expect(await rpcCode { _ = try await search("A 3", as: supervisor, hall: "nowhere") } == .notFound)

            let none = try await search("nobody-here", as: door)
            #expect(none.seats.isEmpty && !none.tooMany)
            for bad in ["", "   ", String(repeating: "x", count: 65)] {
                #expect(await rpcCode { _ = try await search(bad, as: door) } == .invalidArgument, "\(bad.prefix(8))")
            }
        }
    }

    /// More than 50 is "narrow it down", with nothing listed; 50 exactly are listed.
    @Test func moreThanFiftyMatchesAreTooMany() async throws {
        try await withTestServer(venue: TestVenue.arena) { server in
            let seats = TestVenue.arenaSeats(rows: 0..<2)  // 80 seats
            for seat in seats.prefix(50) { _ = try await server.sell(seat, to: "group") }
            let fifty = try await server.inventory.searchSeats(.with { $0.hallID = "main"; $0.query = "group" })
            #expect(fifty.seats.count == 50 && !fifty.tooMany)
            _ = try await server.sell(seats[50], to: "group")
            let more = try await server.inventory.searchSeats(.with { $0.hallID = "main"; $0.query = "group" })
            #expect(more.tooMany && more.seats.isEmpty)
        }
    }

    /// A guest without a code, found by search: admitted by seat under a scan id of
    /// its own, decided like a code (DUPLICATE the second time, WRONG_HALL for another
    /// hall's seat), replayed on retry, with no owner ids for the door.
    @Test func admittingASearchedSeatIsAScanOfItsOwn() async throws {
        try await withTestServer { server in
            let door = try await server.devices.metadata("door-s", role: .door, hall: "main")
            let code = try await server.sell("gala.stalls.B.7", to: "dora")
            let found = try await server.inventory.searchSeats(.with { $0.query = "B 7" }, metadata: door)
            let seat = try #require(found.seats.first { $0.seatID == "gala.stalls.B.7" })
            func admit(_ seatID: String, scanID: String) async throws -> Inventory_MarkCheckedInResponse {
                try await server.inventory.markCheckedIn(
                    .with { $0.seatID = seatID; $0.staffID = "s"; $0.scanID = scanID }, metadata: door)
            }
            let admitted = try await admit(seat.seatID, scanID: "search-1")
            #expect(admitted.result == .success && admitted.message.contains("without a code"), "\(admitted.message)")
            #expect(admitted.seat.ownerUserID.isEmpty, "a door is not told whose seat it is")
            let retried = try await admit(seat.seatID, scanID: "search-1")
            #expect(retried.replayed && retried.result == .success)
            #expect(try await admit(seat.seatID, scanID: "search-2").result == .duplicate)
            #expect(try await server.admit(code, terminal: "door-s").result == .duplicate, "the code is used too")
            #expect(try await admit("jazz.floor.A.1", scanID: "search-3").result == .wrongHall)
            #expect(try await admit("gala.stalls.Z.99", scanID: "search-4").result == .notFound)
            // The same scan id for a code is another scan: refused.
            #expect(await rpcCode { _ = try await server.admit(code, terminal: "door-s", scanID: "search-1") } == .invalidArgument)
            // A code and a seat at once is a mistake.
            let both = await rpcCode {
                _ = try await server.inventory.markCheckedIn(
                    .with { $0.seatID = seat.seatID; $0.ticketCode = code; $0.staffID = "s"; $0.scanID = "search-5" }, metadata: door)
            }
            #expect(both == .invalidArgument)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE scan_id = 'search-1' AND replay_of IS NULL AND result = 'SUCCESS' AND terminal_id = 'door-s'")
                    == 1)
        }
    }
}
