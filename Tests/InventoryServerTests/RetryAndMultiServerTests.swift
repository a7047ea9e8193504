import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

@Suite("Lost replies and several servers", .timeLimit(.minutes(5)))
struct RetryAndMultiServerTests {
    /// A scan that got no answer in time (the seat was locked past the door's
    /// deadline) is retried with the same scan id: the guest is admitted once and
    /// never told DUPLICATE against their own scan, whether the first attempt
    /// committed after all (the retry replays it) or gave up (the retry admits).
    @Test func retryAfterNoAnswerIsNeverDuplicate() async throws {
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
                    // Hold the seat's row lock past the door's deadline.
                    try await connection.query("SELECT 1 FROM seats WHERE seat_id = \(seat) FOR UPDATE", logger: TestCluster.logger)
                    var options = CallOptions.defaults
                    options.timeout = .milliseconds(400)
                    let code = await rpcCode {
                        _ = try await server.inventory.markCheckedIn(request: .init(message: request), options: options)
                    }
                    // The server answers just before the deadline (UNAVAILABLE); on a
                    // starved machine the door's own clock may win (DEADLINE_EXCEEDED).
                    #expect(code == .unavailable || code == .deadlineExceeded, "no verdict: \(String(describing: code))")
                }
            }
            let retry = try await server.inventory.markCheckedIn(request)
            #expect(retry.result == .success, "got \(retry.result): \(retry.message)")
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
            try await withClient(server.database) { database in
                try await database.query(
                    """
                    CREATE FUNCTION slow_duplicate() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.result = 'DUPLICATE' THEN PERFORM pg_sleep(0.3); END IF;
                        RETURN NEW;
                    END $$
                    """, logger: TestCluster.logger)
                try await database.query(
                    "CREATE TRIGGER slow_duplicate BEFORE INSERT ON entry_logs FOR EACH ROW EXECUTE FUNCTION slow_duplicate()",
                    logger: TestCluster.logger)
            }
            let code = try await server.sell("gala.stalls.B.8", to: "alice")
            let results = try await server.admitFromDoors(code, doors: 16)
            #expect(results.filter { $0 == .success }.count == 1)
            #expect(results.filter { $0 == .duplicate }.count == 15)
        }
    }
}
