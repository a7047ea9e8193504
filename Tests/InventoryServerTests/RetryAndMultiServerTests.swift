import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

@Suite("Lost replies and several servers", .timeLimit(.minutes(5)))
struct RetryAndMultiServerTests {
    /// The door gets no verdict while its admission is on its way to commit (the
    /// database is slow to commit, past the server's call bound), and the admission
    /// lands anyway. The retry with the same scan id
    /// must get that SUCCESS back as a replay, never DUPLICATE.
    ///
    /// Timing, with 0.75 s of slack either side for a busy machine: the COMMIT is
    /// sent at once and takes 2.25 s (under the 3 s statement_timeout); the server
    /// answers at its 1.5 s bound, so the commit lands after the answer.
    @Test func retryAfterALostReplyReplaysTheCommittedAdmission() async throws {
        try await withTestServer(callTimeout: .milliseconds(1500)) { server in
            let code = try await server.sell("gala.stalls.B.6", to: "alice")
            try await server.delayAdmissionCommits(seconds: 2.25)
            let request = Inventory_MarkCheckedInRequest.with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-1"
                $0.terminalID = "door-1"
                $0.scanID = "lost-reply-1"
            }
            let door = try await server.devices.metadata("door-1")
            let first = await rpcCode { _ = try await server.inventory.markCheckedIn(request, metadata: door) }
            #expect(first == .unavailable, "no verdict reached the door")
            // The door retries with the same scan id until it gets a verdict; a retry
            // waits for the first attempt's commit (on the seat's row and the scan id's
            // unique index entry), then reads the original and replays it.
            let (retry, _) = try await waitUntil("a verdict for the retried scan", within: .seconds(15), every: .milliseconds(100), observe: {
                try await server.inventory.markCheckedIn(request, metadata: door)
            }) { _ in true }
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
                #expect(try await second.count("SELECT count(*) FROM entry_logs WHERE replay_of IS NULL") == 64, "one row per door's scan (retries are replays)")
            }
        }
    }

    /// Doors that lose the race must not queue behind each other. A READ COMMITTED
    /// UPDATE that waited for the winner keeps the row lock its re-check took, even
    /// though it updates nothing, until its transaction ends; were a loser's write
    /// part of a longer transaction, every loser would hold the seat until its own
    /// commit and the last door would wait for all the others (then lock_timeout: a
    /// door told ABORTED). The admission's write is its own transaction for that reason. A trigger makes each DUPLICATE's
    /// transaction take 300 ms, as on a loaded database: 15 losers queued one by
    /// one would need 4.5 s, far past every bound; standing aside, they overlap.
    @Test func slowLosersDoNotQueueBehindEachOther() async throws {
        try await withTestServer { server in
            try await server.delayEntryLogs(.duplicate, seconds: 0.3)
            let code = try await server.sell("gala.stalls.B.8", to: "alice")
            let results = try await server.admitFromDoors(code, doors: 16)
            #expect(results.filter { $0 == .success }.count == 1)
            #expect(results.filter { $0 == .duplicate }.count == 15)
        }
    }

    /// The box office holds the seat (a write in progress, `FOR NO KEY UPDATE`) while
    /// eight doors scan it: the doors wait, retrying inside the server, and each gets
    /// a verdict once the write ends. A door is never told ABORTED.
    @Test func aBoxOfficeWriteDelaysDoorsButNeverRefusesThem() async throws {
        try await withTestServer { server in
            let seat = "gala.stalls.B.9"
            let code = try await server.sell(seat, to: "alice")
            let (locked, lockedSink) = AsyncStream<Void>.makeStream()
            async let boxOffice: Void = withClient(server.database) { database in
                try await database.withTransaction(logger: TestCluster.logger) { connection in
                    try await connection.query(
                        "SELECT 1 FROM seats WHERE seat_id = \(seat) FOR NO KEY UPDATE", logger: TestCluster.logger)
                    lockedSink.yield()
                    try await Task.sleep(for: .seconds(1))
                }
            }
            for await _ in locked { break }
            let results = try await server.admitFromDoors(code, doors: 8)
            try await boxOffice
            #expect(results.filter { $0 == .success }.count == 1)
            #expect(results.filter { $0 == .duplicate }.count == 7)
        }
    }
}
