import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

@Suite("Seat transitions over gRPC", .timeLimit(.minutes(5)))
struct SeatTransitionTests {
    @Test func fullLifecycle() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.A.1"
            let initial = try await server.seat(seat)
            #expect(initial.status == .available)
            #expect(initial.hallID == "main" && initial.eventID == "gala" && initial.row == "A" && initial.number == 1)

            let hold = try await server.reserve(seat, by: "alice")
            #expect(hold.seat.status == .held)
            #expect(hold.seat.heldByUserID == "alice")
            let holdLength = hold.heldUntil.date.timeIntervalSince(hold.seat.updatedAt.date)
            #expect(abs(holdLength - 300) < 2, "default hold is 300 s, got \(holdLength)")
            #expect(hold.seat.revision > initial.revision)

            let sold = try await server.confirm(seat, by: "alice", order: "ord-7")
            #expect(sold.seat.status == .sold)
            #expect(sold.seat.ownerUserID == "alice")
            #expect(sold.seat.heldByUserID.isEmpty)
            #expect(!sold.ticketCode.isEmpty)

            let moved = try await server.transfer(seat, from: "alice", to: "bob")
            #expect(moved.seat.status == .sold)
            #expect(moved.seat.ownerUserID == "bob")
            #expect(moved.seat.revision > sold.seat.revision)
            #expect(try await server.seat(seat).ownerUserID == "bob")

            let admitted = try await server.admit(moved.ticketCode)
            #expect(admitted.result == .success)
            #expect(try await server.seat(seat).status == .checkedIn)
            // Every change is in the seat's history.
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = \(seat)") == 4)
        }
    }

    /// Naming the current owner as `to` used to be taken for a retry and answered with
    /// the owner's valid code, to anyone. A retry is now recognised by its transfer_id
    /// only; everything else is FAILED_PRECONDITION with no code, and nothing changes.
    @Test func transferRetriesAreRecognisedByTheirIDNotByTheOwner() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.B.8"
            _ = try await server.sell(seat, to: "alice")
            let moved = try await server.transfer(seat, from: "alice", to: "bob", id: "xfer-1")
            #expect(moved.seat.ownerUserID == "bob" && !moved.ticketCode.isEmpty)
            let history = try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = \(seat)")

            // The same transfer again (its reply was lost): the same answer, nothing changed.
            let retry = try await server.transfer(seat, from: "alice", to: "bob", id: "xfer-1")
            #expect(retry.ticketCode == moved.ticketCode && retry.seat.revision == moved.seat.revision)

            // The leak: anyone "giving" bob's seat to bob got bob's code. Not any more.
            #expect(await rpcCode { try await server.transfer(seat, from: "mallory", to: "bob") } == .failedPrecondition)
            #expect(await rpcCode { try await server.transfer(seat, from: "mallory", to: "bob", id: "guess") } == .failedPrecondition)
            #expect(await rpcCode { try await server.transfer(seat, from: "alice", to: "bob") } == .failedPrecondition)
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = \(seat)") == history)
            #expect(try await server.seat(seat).revision == moved.seat.revision)

            // A later transfer without an id forgets the earlier id: its retry is refused too.
            _ = try await server.transfer(seat, from: "bob", to: "carol")
            _ = try await server.transfer(seat, from: "carol", to: "bob")
            #expect(await rpcCode { try await server.transfer(seat, from: "alice", to: "bob", id: "xfer-1") } == .failedPrecondition)
        }
    }

    @Test func releaseByHolderRecordsReason() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.A.2"
            try await server.reserve(seat, by: "alice")
            #expect(await rpcCode { try await server.release(seat, by: "mallory") } == .failedPrecondition)
            let released = try await server.release(seat, by: "alice", reason: "cart abandoned")
            #expect(released.seat.status == .available)
            #expect(released.seat.heldByUserID.isEmpty)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM seat_history WHERE seat_id = \(seat) AND action = 'RELEASE' AND detail = 'cart abandoned'"
                ) == 1)
            #expect(await rpcCode { try await server.release(seat, by: "alice") } == .failedPrecondition)
        }
    }

    @Test func invalidTransitionsAreFailedPrecondition() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.A.3"
            // Nothing to confirm or transfer yet.
            #expect(await rpcCode { try await server.confirm(seat, by: "alice") } == .failedPrecondition)
            #expect(await rpcCode { try await server.transfer(seat, from: "alice", to: "bob") } == .failedPrecondition)
            try await server.reserve(seat, by: "alice")
            // Someone else's live hold.
            #expect(await rpcCode { try await server.reserve(seat, by: "bob") } == .failedPrecondition)
            #expect(await rpcCode { try await server.confirm(seat, by: "bob") } == .failedPrecondition)
            try await server.confirm(seat, by: "alice", order: "o-1")
            // Sold seats cannot be held, released or confirmed by another order.
            #expect(await rpcCode { try await server.reserve(seat, by: "bob") } == .failedPrecondition)
            #expect(await rpcCode { try await server.release(seat, by: "alice") } == .failedPrecondition)
            #expect(await rpcCode { try await server.confirm(seat, by: "alice", order: "o-2") } == .failedPrecondition)
            // Only the owner transfers.
            #expect(await rpcCode { try await server.transfer(seat, from: "bob", to: "carol") } == .failedPrecondition)
            // After entry the ticket cannot move.
            let code = try await server.confirm(seat, by: "alice", order: "o-1").ticketCode
            _ = try await server.admit(code)
            #expect(await rpcCode { try await server.transfer(seat, from: "alice", to: "bob") } == .failedPrecondition)
        }
    }

    @Test func retriesOfReserveAndConfirmAreHarmless() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.A.4"
            let first = try await server.reserve(seat, by: "alice", holdSeconds: 60)
            let again = try await server.reserve(seat, by: "alice", holdSeconds: 120)
            #expect(again.heldUntil.date > first.heldUntil.date)
            let sold = try await server.confirm(seat, by: "alice", order: "o-9")
            let resent = try await server.confirm(seat, by: "alice", order: "o-9")
            #expect(resent.ticketCode == sold.ticketCode)
            #expect(resent.seat.revision == sold.seat.revision)
        }
    }

    @Test func unknownSeatIsNotFound() async throws {
        try await withTestServer { server in
            #expect(await rpcCode { try await server.reserve("nope.1", by: "alice") } == .notFound)
            #expect(await rpcCode { _ = try await server.seat("nope.1") } == .notFound)
            #expect(await rpcCode { try await server.release("nope.1", by: "alice") } == .notFound)
            #expect(await rpcCode { try await server.confirm("nope.1", by: "alice") } == .notFound)
            #expect(await rpcCode { try await server.transfer("nope.1", from: "a", to: "b") } == .notFound)
        }
    }

    @Test func lockedSeatIsAborted() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.A.5"
            // Hold the row lock from another session, as a slow concurrent writer would.
            try await withClient(server.database) { client in
                try await client.withTransaction(logger: TestCluster.logger) { connection in
                    try await connection.query("SELECT 1 FROM seats WHERE seat_id = \(seat) FOR UPDATE", logger: TestCluster.logger)
                    #expect(await rpcCode { try await server.reserve(seat, by: "alice") } == .aborted)
                }
            }
            // Once the lock is gone the same call succeeds.
            #expect(try await server.reserve(seat, by: "alice").seat.status == .held)
        }
    }

    @Test func sixtyFourConcurrentReservesHaveOneWinner() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.B.1"
            let codes = await withTaskGroup(of: RPCError.Code?.self) { group in
                for i in 0..<64 {
                    group.addTask { await rpcCode { try await server.reserve(seat, by: "user-\(i)") } }
                }
                var codes: [RPCError.Code?] = []
                for await code in group { codes.append(code) }
                return codes
            }
            #expect(codes.filter { $0 == nil }.count == 1, "winners: \(codes.filter { $0 == nil }.count)")
            // Losers are told why: the seat is held (FAILED_PRECONDITION) or was locked (ABORTED).
            #expect(codes.allSatisfy { $0 == nil || $0 == .failedPrecondition || $0 == .aborted }, "\(codes)")
            let stored = try await server.seat(seat)
            #expect(stored.status == .held)
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = \(seat)") == 1)
        }
    }
}
