import Foundation
import GRPCCore
import InventoryProto
import Testing

@Suite("Hold expiry", .timeLimit(.minutes(5)))
struct HoldExpiryTests {
    @Test func expiredHoldNeverBlocksASaleBeforeTheSweep() async throws {
        // A long sweep interval first: the lapsed hold is still stored as HELD, and a
        // reservation must treat it as AVAILABLE anyway.
        try await withTestServer(sweepInterval: .seconds(3600)) { server in
            let seat = "gala.stalls.A.7"
            try await server.reserve(seat, by: "alice", holdSeconds: 1)
            try await Task.sleep(for: .milliseconds(1300))
            #expect(try await server.seat(seat).status == .held)
            #expect(await rpcCode { try await server.confirm(seat, by: "alice") } == .failedPrecondition)
            let taken = try await server.reserve(seat, by: "bob")
            #expect(taken.seat.heldByUserID == "bob")
            #expect(try await server.confirm(seat, by: "bob").seat.ownerUserID == "bob")
        }
    }

    @Test func sweeperReleasesLapsedHolds() async throws {
        try await withTestServer(sweepInterval: .milliseconds(200)) { server in
            let seats = ["gala.stalls.A.8", "gala.stalls.A.9"]
            for seat in seats { try await server.reserve(seat, by: "alice", holdSeconds: 1) }
            try await server.reserve("gala.stalls.A.10", by: "alice", holdSeconds: 600)
            let deadline = ContinuousClock.now + .seconds(10)
            var released = false
            while ContinuousClock.now < deadline {
                let states = try await [server.seat(seats[0]).status, server.seat(seats[1]).status]
                if states.allSatisfy({ $0 == .available }) {
                    released = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(released, "the sweeper did not release the lapsed holds within 10 s")
            #expect(try await server.seat("gala.stalls.A.10").status == .held, "a live hold must stay")
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE action = 'EXPIRE'") == 2)
        }
    }
}
