import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

@Suite("Lost replies and several servers", .timeLimit(.minutes(5)))
struct RetryAndMultiServerTests {
    /// The door stops waiting while its admission is still on its way to commit
    /// (the database is slow between the seat write and the commit); the server
    /// answers UNAVAILABLE in time and commits anyway. The retry with the same scan
    /// id must get that SUCCESS back as a replay, never DUPLICATE.
    @Test func retryAfterNoAnswerReplaysTheCommittedAdmission() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.6", to: "alice")
            try await server.delayEntryLogs(result: "SUCCESS", seconds: 1.2)
            let request = Inventory_MarkCheckedInRequest.with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-1"
                $0.terminalID = "door-1"
                $0.scanID = "lost-reply-1"
            }
            var options = CallOptions.defaults
            options.timeout = .milliseconds(500)
            let first = await rpcCode { _ = try await server.inventory.markCheckedIn(request: .init(message: request), options: options) }
            // The server answers just before the deadline (UNAVAILABLE); on a starved
            // machine the door's own clock may win (DEADLINE_EXCEEDED).
            #expect(first == .unavailable || first == .deadlineExceeded, "no verdict: \(String(describing: first))")
            // The retry waits for the first attempt's transaction (the scan id's lock), then replays it.
            let retry = try await server.inventory.markCheckedIn(request)
            #expect(retry.result == .success, "got \(retry.result): \(retry.message)")
            #expect(retry.replayed)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result = 'SUCCESS' AND replay_of IS NULL") == 1)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result = 'DUPLICATE'") == 0)
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

    /// Doors that lose the race must not queue behind each other. A READ COMMITTED
    /// UPDATE that waited for the winner keeps the row lock its re-check took, even
    /// though it updates nothing; without the check-in's savepoint every loser held
    /// the seat until its own commit and the last door waited for all the others
    /// (then lock_timeout: a door told ABORTED). A trigger makes each DUPLICATE's
    /// transaction take 300 ms, as on a loaded database: 15 losers queued one by
    /// one would need 4.5 s, far past every bound; standing aside, they overlap.
    @Test func slowLosersDoNotQueueBehindEachOther() async throws {
        try await withTestServer { server in
            try await server.delayEntryLogs(result: "DUPLICATE", seconds: 0.3)
            let code = try await server.sell("gala.stalls.B.8", to: "alice")
            let results = try await server.admitFromDoors(code, doors: 16)
            #expect(results.filter { $0 == .success }.count == 1)
            #expect(results.filter { $0 == .duplicate }.count == 15)
        }
    }
}
