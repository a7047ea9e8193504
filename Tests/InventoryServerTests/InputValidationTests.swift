import Foundation
import GRPCCore
import InventoryProto
import Testing

@Suite("Malformed input is INVALID_ARGUMENT and writes nothing", .timeLimit(.minutes(5)))
struct InputValidationTests {
    @Test func badRequestsAreRefusedWhole() async throws {
        try await withTestServer { (server: TestServer) async throws in
            let seat = "gala.stalls.A.6"
            let huge = String(repeating: "x", count: 10_000)
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("empty seat", { try await server.reserve("", by: "alice") }),
                ("empty user", { try await server.reserve(seat, by: "") }),
                ("space in id", { try await server.reserve("gala stalls", by: "alice") }),
                ("sql in id", { try await server.reserve("x'; DROP TABLE seats;--", by: "alice") }),
                ("oversized id", { try await server.reserve(huge, by: "alice") }),
                ("negative hold", { try await server.reserve(seat, by: "alice", holdSeconds: -5) }),
                ("hold too long", { try await server.reserve(seat, by: "alice", holdSeconds: 86_400) }),
                ("control chars in reason", { try await server.release(seat, by: "alice", reason: "bad\u{1B}[2J") }),
                ("missing order", { try await server.confirm(seat, by: "alice", order: "") }),
                ("self transfer", { try await server.transfer(seat, from: "alice", to: "alice") }),
                ("empty code", { _ = try await server.admit("") }),
                ("oversized code", { _ = try await server.admit(huge) }),
                // (An admin names its hall; a door without one scans at its own. The terminal
                // is the credential's device: PermissionTests covers naming another.)
                ("missing hall", { _ = try await server.admit(seat, hall: "") }),
                ("missing scan id", { _ = try await server.admit(seat, scanID: "") }),
            ]
            for (name, call) in calls {
                #expect(await rpcCode(call) == .invalidArgument, "\(name)")
            }
            #expect(try await server.entryLogCount() == 0)
            #expect(try await server.count("SELECT count(*) FROM seat_history") == 0)
            #expect(try await server.count("SELECT count(*) FROM seats WHERE status <> 'AVAILABLE' OR revision <> 1") == 0)
            #expect(try await server.count("SELECT count(*) FROM seats") == 30)
        }
    }

    @Test func errorMessagesNameTheFieldAndLeakNoSQL() async throws {
        try await withTestServer { server in
            do {
                try await server.reserve("gala.stalls.A.1", by: "alice", holdSeconds: -1)
                Issue.record("expected INVALID_ARGUMENT")
            } catch let error as RPCError {
                #expect(error.message.contains("hold_seconds"))
            }
            do {
                try await server.reserve("missing.seat", by: "alice")
                Issue.record("expected NOT_FOUND")
            } catch let error as RPCError {
                #expect(error.code == .notFound)
                #expect(!error.message.lowercased().contains("select"))
                #expect(!error.message.contains("PSQL"))
            }
        }
    }
}
