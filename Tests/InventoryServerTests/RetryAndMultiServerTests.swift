import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

@Suite("Lost replies and several servers", .timeLimit(.minutes(5)))
struct RetryAndMultiServerTests {
    /// The terminal gives up (deadline) while its admission is still running; the
    /// server finishes and commits anyway. The retry with the same scan id must
    /// get that SUCCESS back, never DUPLICATE.
    @Test func retryAfterDeadlineSeesItsOwnAdmission() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.B.6"
            let code = try await server.sell(seat, to: "alice")
            let request = Inventory_MarkCheckedInRequest.with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-1"
                $0.terminalID = "door-1"
                $0.scanID = "lost-reply-1"
            }
            try await withClient(server.database) { database in
                try await database.withTransaction(logger: TestCluster.logger) { connection in
                    // Block the admission on the seat's row lock past the client's deadline.
                    try await connection.query("SELECT 1 FROM seats WHERE seat_id = \(seat) FOR UPDATE", logger: TestCluster.logger)
                    var options = CallOptions.defaults
                    options.timeout = .milliseconds(400)
                    let code = await rpcCode {
                        _ = try await server.inventory.markCheckedIn(request: .init(message: request), options: options)
                    }
                    #expect(code == .deadlineExceeded)
                }  // commit: the server-side admission proceeds
            }
            let retry = try await server.inventory.markCheckedIn(request)
            #expect(retry.result == .success, "got \(retry.result): \(retry.message)")
            #expect(retry.replayed)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result = 'SUCCESS' AND replay_of IS NULL") == 1)
        }
    }

    /// Two servers (separate pools and service groups, as two processes would have)
    /// on one database: 64 doors split between them still admit exactly once.
    @Test func twoServersAdmitExactlyOnce() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        try await withTestServer(database: database) { first in
            try await withTestServer(database: database, venue: "") { second in
                let code = try await first.sell("gala.stalls.B.7", to: "alice")
                let results = try await first.admitFromDoors(code, doors: 64, via: [second])
                #expect(results.filter { $0 == .success }.count == 1)
                #expect(results.filter { $0 == .duplicate }.count == 63)
                #expect(try await second.entryLogCount() == 64)
            }
        }
    }
}
