import Foundation
import GRPCCore
import InventoryClient
import InventoryProto
@testable import InventoryStore
import PostgresNIO
import Testing
import UsherCore

@testable import InventoryServer

/// Live seat maps (ListHallSeats) and hall occupancy (GetHallOccupancy), through the
/// client library against the real server on a real PostgreSQL.
@Suite("Seat maps and occupancy", .timeLimit(.minutes(5)))
struct HallViewTests {
    /// Sections and rows deliberately not in alphabetical order: map order must come
    /// from the file. The arena's current event is `show` (on now), although
    /// `tomorrow` exists too; the side room's is `soon` (next to start beats last to end).
    static let venue = venue(showSections: showSections)

    static let showSections = """
        [{"id": "upper", "name": "Upper Tier", "rows": ["C", "B", "A"], "seats_per_row": 3},
         {"id": "floor", "name": "Floor", "rows": ["2", "10", "1"], "seats_per_row": 2}]
        """

    static func venue(showSections: String) -> String {
        """
        {
          "halls": [{"id": "arena", "name": "Arena"}, {"id": "side", "name": "Side Room"},
                    {"id": "lobby", "name": "Lobby"}],
          "events": [
            {"id": "show", "hall": "arena", "name": "The Show", "starts": "now-1h", "ends": "now+3h",
             "sections": \(showSections)},
            {"id": "tomorrow", "hall": "arena", "name": "Tomorrow", "starts": "now+1d", "ends": "now+2d",
             "sections": [{"id": "floor", "name": "Floor", "rows": ["A"], "seats_per_row": 2}]},
            {"id": "early", "hall": "side", "name": "Early", "starts": "now-5h", "ends": "now-4h",
             "sections": [{"id": "bench", "name": "Bench", "rows": ["A"], "seats_per_row": 2}]},
            {"id": "soon", "hall": "side", "name": "Soon", "starts": "now+2h", "ends": "now+4h", "sections": []}
          ]
        }
        """
    }

    /// `show` in venue order: Upper Tier rows C, B, A, then Floor rows 2, 10, 1.
    static let showOrder: [String] =
        ["C", "B", "A"].flatMap { row in (1...3).map { "show.upper.\(row).\($0)" } }
        + ["2", "10", "1"].flatMap { row in (1...2).map { "show.floor.\(row).\($0)" } }

    static let door = Door(hallID: "arena", staffID: "staff-1", terminalID: "door-a")

    func withHallServer(
        venue: String = HallViewTests.venue, legacyAPI: Bool = false, readDeadline: Duration = .seconds(3),
        _ body: @escaping @Sendable (TestServer, InventoryClient) async throws -> Void
    ) async throws {
        try await withTestServer(venue: venue, legacyAPI: legacyAPI) { server in
            try await withInventoryClient(
                InventoryClientConfiguration(
                    host: "localhost", port: server.endpoints.grpcPort,
                    credential: try await server.devices.token(Self.door.terminalID), deadlines: .init(read: readDeadline))
            ) { client in
                try await body(server, client)
            }
        }
    }

    @Test func fullLoadIsTheCurrentEventInVenueOrder() async throws {
        try await withHallServer { server, client in
            _ = try await server.sell("show.upper.B.2", to: "alice")
            try await server.reserve("show.floor.10.1", by: "bob")
            let code = try await server.sell("show.floor.1.2", to: "carol")
            #expect(try await server.admit(code, hall: "arena").result == .success)

            let map = try await client.hallSeats(hallID: "arena")
            #expect(map.eventID == "show" && map.eventName == "The Show" && map.hallName == "Arena")
            #expect(map.isComplete && map.cursor > 0)
            #expect(map.seats.map(\.seatID) == Self.showOrder)
            let status = Dictionary(uniqueKeysWithValues: map.seats.map { ($0.seatID, $0.status) })
            #expect(status["show.upper.B.2"] == .sold)
            #expect(status["show.floor.10.1"] == .held)
            #expect(status["show.floor.1.2"] == .checkedIn)
            #expect(status.values.filter { $0 == .available }.count == Self.showOrder.count - 3)
            let b2 = try #require(map.seats.first { $0.seatID == "show.upper.B.2" })
            #expect(b2.section == "Upper Tier" && b2.sectionPosition == 0 && b2.row == "B" && b2.rowPosition == 1)
            #expect(b2.number == 2 && b2.revision == 3)  // created, held, sold
            let floor10 = try #require(map.seats.first { $0.seatID == "show.floor.10.1" })
            #expect(floor10.sectionPosition == 1 && floor10.rowPosition == 1)

            // On the wire: each section once, in venue order; seats point at them.
            let wire = try await server.inventory.listHallSeats(.with { $0.hallID = "arena" })
            #expect(wire.sections.map(\.name) == ["Upper Tier", "Floor"])
            #expect(wire.sections.map(\.position) == [0, 1])
            #expect(wire.seats.first?.sectionIndex == 0 && wire.seats.last?.sectionIndex == 1)
            #expect(wire.complete && wire.hasAsOf)

            // An explicit event, and a hall whose next event beats its last one (no seats yet).
            let later = try await client.hallSeats(hallID: "arena", eventID: "tomorrow")
            #expect(later.eventID == "tomorrow" && later.seats.map(\.seatID) == ["tomorrow.floor.A.1", "tomorrow.floor.A.2"])
            let side = try await client.hallSeats(hallID: "side")
            #expect(side.eventID == "soon" && side.seats.isEmpty && side.isComplete)
        }
    }

    @Test func deltaAfterCheckInsIsExactlyThoseSeats() async throws {
        try await withHallServer { server, client in
            let checkedIn = ["show.upper.C.1", "show.upper.A.3", "show.floor.10.2"]
            var codes: [String] = []
            for seat in checkedIn { codes.append(try await server.sell(seat, to: "guest-\(seat)")) }

            let full = try await client.hallSeats(hallID: "arena")
            #expect(full.isComplete && full.seats.count == Self.showOrder.count)
            let steady = try await steadyCursor(client, from: full.cursor)

            for code in codes { #expect(try await server.admit(code, hall: "arena").result == .success) }
            let delta = try await client.hallSeats(hallID: "arena", since: steady)
            #expect(!delta.isComplete && delta.eventID == "show")
            #expect(Set(delta.seats.map(\.seatID)) == Set(checkedIn))
            #expect(delta.seats.count == checkedIn.count)
            #expect(delta.seats.allSatisfy { $0.status == .checkedIn })
            #expect(delta.seats.map(\.seatID) == Self.showOrder.filter(checkedIn.contains), "venue order")
            #expect(delta.cursor >= steady)

            // Nothing else changed: later polls may repeat these seats (see steadyCursor)
            // but never bring others, and settle on empty.
            let after = try await steadyCursor(client, from: delta.cursor, allowing: Set(checkedIn))
            #expect(after >= delta.cursor)
        }
    }

    /// A cursor this database never gave (a restore, a failover that lost the old
    /// primary's last transaction ids) is answered with every seat, never with an
    /// empty delta forever.
    @Test func aCursorFromTheFutureReloadsEverything() async throws {
        try await withHallServer { server, client in
            let full = try await client.hallSeats(hallID: "arena")
            let future = full.cursor + 1_000_000
            let answer = try await client.hallSeats(hallID: "arena", since: future)
            #expect(answer.isComplete && answer.seats.count == Self.showOrder.count)
            #expect(answer.cursor < future, "the real cursor, to poll on from")
            let next = try await client.hallSeats(hallID: "arena", since: answer.cursor)
            #expect(!next.isComplete)
        }
    }

    @Test func deltaShowsHoldsSalesAndReleasesAsTheyAreNow() async throws {
        try await withHallServer { server, client in
            let full = try await client.hallSeats(hallID: "arena")
            let steady = try await steadyCursor(client, from: full.cursor)

            try await server.reserve("show.upper.A.1", by: "alice")
            _ = try await server.sell("show.upper.A.2", to: "bob")
            try await server.reserve("show.upper.A.3", by: "carol")
            try await server.release("show.upper.A.3", by: "carol", reason: "changed mind")
            // Another event of the same hall changes too: not this map's business.
            try await server.reserve("tomorrow.floor.A.1", by: "dave")

            let delta = try await client.hallSeats(hallID: "arena", since: steady)
            let status = Dictionary(uniqueKeysWithValues: delta.seats.map { ($0.seatID, $0.status) })
            #expect(status == ["show.upper.A.1": .held, "show.upper.A.2": .sold, "show.upper.A.3": .available])
            #expect(delta.seats.first { $0.seatID == "show.upper.A.3" }?.revision == 3)  // held, released

            let tomorrow = try await client.hallSeats(hallID: "arena", eventID: "tomorrow", since: steady)
            #expect(tomorrow.seats.map(\.seatID) == ["tomorrow.floor.A.1"] && tomorrow.seats.first?.status == .held)
        }
    }

    @Test func occupancyCountsAndArrivals() async throws {
        try await withHallServer { server, client in
            var codes: [String] = []
            for seat in ["show.upper.C.1", "show.upper.C.2", "show.upper.C.3", "show.floor.2.1"] {
                codes.append(try await server.sell(seat, to: "guest-\(seat)"))
            }
            try await server.reserve("show.floor.1.1", by: "holder")
            // Three admissions. A replay of the first scan id and a DUPLICATE scan are
            // logged too, but are not arrivals.
            #expect(try await server.admit(codes[0], hall: "arena", scanID: "scan-1").result == .success)
            #expect(try await server.admit(codes[1], hall: "arena", scanID: "scan-2").result == .success)
            #expect(try await server.admit(codes[2], hall: "arena", scanID: "scan-3").result == .success)
            let replay = try await server.admit(codes[0], hall: "arena", scanID: "scan-1")
            #expect(replay.replayed && replay.result == .success)
            #expect(try await server.admit(codes[1], hall: "arena", scanID: "scan-4").result == .duplicate)
            // A VERIFY and a wrong-hall admit are not arrivals either.
            #expect(try await server.verify(codes[3], hall: "arena").result == .success)
            #expect(try await server.admit(codes[3], hall: "side").result == .wrongHall)

            let report = try await client.hallOccupancy()
            #expect(report.halls.map(\.eventID) == ["early", "show", "soon", "tomorrow"], "by start time")
            let show = try #require(report.halls.first { $0.eventID == "show" })
            #expect(show.hallID == "arena" && show.hallName == "Arena" && show.eventName == "The Show")
            #expect(show.capacity == Self.showOrder.count)
            #expect(show.available + show.held + show.sold + show.checkedIn == show.capacity)
            #expect(show.held == 1 && show.sold == 1 && show.checkedIn == 3 && show.ticketsSold == 4)
            #expect(show.admissionsPerMinute.count == HallOccupancy.window)
            #expect(show.admissionsPerMinute.last == 3)
            #expect(show.admissionsPerMinute.reduce(0, +) == 3)
            #expect(show.endsAt > report.asOf && show.startsAt < report.asOf)
            let soon = try #require(report.halls.first { $0.eventID == "soon" })
            #expect(soon.capacity == 0 && soon.available == 0 && soon.admissionsPerMinute == Array(repeating: 0, count: 15))
            let early = try #require(report.halls.first { $0.eventID == "early" })
            #expect(early.capacity == 2 && early.available == 2)

            let one = try await client.hallOccupancy(eventID: "show")
            #expect(one.halls.map(\.eventID) == ["show"] && one.halls.first == show)
            await expectClientError(.notFound) { _ = try await client.hallOccupancy(eventID: "no-such-event") }
        }
    }

    @Test func badRequestsAndUnknownHallsAndEvents() async throws {
        try await withHallServer { server, client in
            func seats(_ hall: String, _ event: String = "", since: Int64 = 0) async -> RPCError.Code? {
                await rpcCode {
                    _ = try await server.inventory.listHallSeats(.with {
                        $0.hallID = hall
                        $0.eventID = event
                        $0.sinceRevision = since
                    })
                }
            }
            #expect(await seats("no-such-hall") == .notFound)
            #expect(await seats("lobby") == .notFound, "a hall without events")
            #expect(await seats("arena", "no-such-event") == .notFound)
            // An event of another hall: NOT_FOUND, not INVALID_ARGUMENT. By GRPCCore's
            // RPCError docs, INVALID_ARGUMENT is for arguments that are wrong "regardless
            // of the state of the system"; whether `early` is in `arena` is state (the
            // same request succeeds once such an event is imported), so the requested
            // entity, this event in this hall, is not found.
            #expect(await seats("arena", "early") == .notFound)
            #expect(await seats("") == .invalidArgument)
            #expect(await seats("bad hall") == .invalidArgument)
            #expect(await seats("arena", "bad event") == .invalidArgument)
            #expect(await seats("arena", since: -1) == .invalidArgument)
            #expect(
                await rpcCode { _ = try await server.inventory.getHallOccupancy(.with { $0.eventID = "bad event" }) }
                    == .invalidArgument)
            #expect(
                await rpcCode { _ = try await server.inventory.getHallOccupancy(.with { $0.eventID = "nope" }) }
                    == .notFound)
            // Through the client: typed, with the server's sentence.
            await expectClientError(.notFound) { _ = try await client.hallSeats(hallID: "arena", eventID: "early") }
            await expectClientError(.invalidRequest) { _ = try await client.hallSeats(hallID: "arena", since: -5) }
        }
    }

    @Test func anOlderServerAnswersUnimplementedWithoutTrippingTheBreaker() async throws {
        try await withHallServer(legacyAPI: true) { server, client in
            for _ in 0..<5 {  // more than the breaker's threshold of 3
                let seats = await clientError { _ = try await client.hallSeats(hallID: "arena") }
                #expect(seats?.kind == .unimplemented && seats?.attempts == 1, "not retried: \(String(describing: seats))")
                #expect(seats?.userMessage.contains("does not offer ListHallSeats (an older server?)") == true)
                let occupancy = await clientError { _ = try await client.hallOccupancy() }
                #expect(occupancy?.kind == .unimplemented && occupancy?.attempts == 1)
            }
            #expect(client.connectionState.status == .online)
            let seat = try await client.seat("show.upper.A.1")
            #expect(seat.state == .available)
            #expect(client.connectionState.status == .online)
            #expect(await rpcCode { _ = try await server.inventory.listHallSeats(.with { $0.hallID = "arena" }) } == .unimplemented)
        }
    }

    @Test func reimportFixesPositionsWithoutTouchingSales() async throws {
        // The first import had the sections and rows in the other order.
        let swapped = Self.venue(showSections: """
            [{"id": "floor", "name": "Floor", "rows": ["1", "10", "2"], "seats_per_row": 2},
             {"id": "upper", "name": "Upper Tier", "rows": ["A", "B", "C"], "seats_per_row": 3}]
            """)
        try await withHallServer(venue: swapped) { server, client in
            let before = try await client.hallSeats(hallID: "arena")
            #expect(before.seats.first?.seatID == "show.floor.1.1")
            let code = try await server.sell("show.upper.B.2", to: "alice")
            let sold = try await server.seat("show.upper.B.2")

            let summary = try await withClient(server.database) { database in
                let store = InventoryStore(client: database, logger: TestCluster.logger, keyring: TestKeys.keyring)
                return try await store.importVenue(try VenueFile.decode(Data(Self.venue.utf8), now: Date()))
            }
            #expect(summary.seatsAdded == 0 && summary.seatsKept == 15 + 2 + 2)

            let after = try await client.hallSeats(hallID: "arena")
            #expect(after.seats.map(\.seatID) == Self.showOrder)
            let b2 = try #require(after.seats.first { $0.seatID == "show.upper.B.2" })
            #expect(b2.status == .sold && b2.sectionPosition == 0 && b2.rowPosition == 1 && b2.revision == sold.revision)
            let stored = try await server.seat("show.upper.B.2")
            #expect(stored.status == .sold && stored.ownerUserID == "alice" && stored.revision == sold.revision)
            #expect(try await server.admit(code, hall: "arena").result == .success, "the ticket still admits")
            // The layout change reaches maps that poll: moved seats are in the next delta.
            let delta = try await client.hallSeats(hallID: "arena", since: before.cursor)
            #expect(Set(delta.seats.map(\.seatID)).isSuperset(of: ["show.upper.A.1", "show.floor.1.1"]))
        }
    }

    /// 20,000 seats: a delta poll is an index range scan of seats_hall_changes (not a
    /// scan of the hall), before and after the table's statistics exist; occupancy
    /// reads recent arrivals through an index on the scan time. The seats are
    /// made by SQL, and the test never loads all of them through the server: in a
    /// debug build that takes about a second of CPU, enough to push the other tests
    /// running in parallel past their 1.5 s scan deadlines on a 2-core machine.
    @Test func aTwentyThousandSeatHallPollsFromTheIndex() async throws {
        let venue = """
            {"halls": [{"id": "dome", "name": "Dome"}],
             "events": [{"id": "final", "hall": "dome", "name": "Final", "starts": "now-1h", "ends": "now+3h",
                         "sections": []}]}
            """
        try await withHallServer(venue: venue) { server, client in
            let cursor = try await withClient(server.database) { database in
                try await database.withTransaction(logger: TestCluster.logger) { connection in
                    // Set-up, not what is under test: the store's 3 s statement_timeout is
                    // for doors, and this 20,000-row insert can take longer when the
                    // whole suite shares 2 cores (it failed there once). A bulk write's
                    // bound, as the store's own venue import and migrations set it.
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: DatabaseSettings.longTransactionStatement), logger: TestCluster.logger)
                    _ = try await connection.query(
                        """
                        INSERT INTO seats (seat_id, event_id, hall_id, section, row_label, seat_number,
                                           section_position, row_position)
                        SELECT format('final.s%s.R%s.%s', s, r, n), 'final', 'dome', 'Block ' || s, 'R' || r, n, s - 1, r - 1
                        FROM generate_series(1, 20) s, generate_series(1, 50) r, generate_series(1, 20) n
                        """, logger: TestCluster.logger
                    ).collect()
                }
                // A cursor just past the insert. (Not a safe cursor in general, which is
                // why the server hands out its snapshot's xmin; here nothing else writes.)
                let rows = try await database.query(
                    "SELECT pg_current_xact_id()::text::bigint", logger: TestCluster.logger
                ).collect()
                return try rows.first?.decode(Int64.self) ?? 0
            }
            #expect(try await server.count("SELECT count(*) FROM seats WHERE event_id = 'final'") == 20_000)
            let code = try await server.sell("final.s7.R33.5", to: "alice")
            #expect(try await server.admit(code, hall: "dome").result == .success)
            let delta = try await client.hallSeats(hallID: "dome", since: cursor)
            #expect(delta.seats.map(\.seatID) == ["final.s7.R33.5"] && delta.seats.first?.status == .checkedIn)
            #expect(delta.seats.first?.section == "Block 7" && delta.seats.first?.rowPosition == 32)

            // The plan for a poll past the insert: the steady state. (delta.cursor can
            // still be below the insert while another test's transaction holds the
            // cluster's xmin back; then all 20,000 rows match and a Seq Scan is right.)
            let since = String(cursor)
            let plans = try await withClient(server.database) { database in
                // The store's delta query, with the values inlined.
                func plan() async throws -> String {
                    var lines: [String] = []
                    for try await line in try await database.query(
                        """
                        EXPLAIN SELECT seat_id, section, section_position, row_label, row_position, seat_number, status, revision
                        FROM seats WHERE event_id = 'final' AND hall_id = 'dome' AND changed_xid >= '\(unescaped: since)'::xid8
                        ORDER BY section_position, section, row_position, row_label, seat_number
                        """, logger: TestCluster.logger
                    ).decode(String.self) {
                        lines.append(line)
                    }
                    return lines.joined(separator: "\n")
                }
                let fresh = try await plan()
                _ = try await database.query("ANALYZE seats", logger: TestCluster.logger).collect()
                return [fresh, try await plan()]
            }
            for plan in plans {
                #expect(plan.contains("Index Scan using seats_hall_changes"), "\(plan)")
                #expect(!plan.contains("Seq Scan"), "\(plan)")
            }

            // Occupancy reads only the last 15 minutes of a long audit trail.
            let arrivals = try await withClient(server.database) { database in
                // Set-up again, under a bulk write's bound like the seats above: 50,000
                // log rows and their indexes can pass the doors' 3 s on 2 shared cores
                // (a fresh clone's run caught it).
                try await database.withTransaction(logger: TestCluster.logger) { connection in
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: DatabaseSettings.longTransactionStatement), logger: TestCluster.logger)
                    _ = try await connection.query(
                        """
                        INSERT INTO entry_logs (seat_id, scanned_at, scanned_by_staff_id, terminal_id, action, result,
                                                reason, message, hall_id_presented)
                        SELECT 'final.s1.R1.' || (1 + g % 20), now() - interval '1 day' - g * interval '1 second',
                               'staff', 'door', 'ADMIT', 'DUPLICATE', 'ALREADY_CHECKED_IN', 'seen', 'dome'
                        FROM generate_series(1, 50000) g
                        """, logger: TestCluster.logger
                    ).collect()
                    _ = try await connection.query("ANALYZE entry_logs", logger: TestCluster.logger).collect()
                }
                var lines: [String] = []
                for try await line in try await database.query(
                    """
                    EXPLAIN SELECT s.event_id, count(*) FROM entry_logs l JOIN seats s ON s.seat_id = l.seat_id
                    WHERE l.scanned_at > now() - make_interval(mins => 15)
                      AND l.action = 'ADMIT' AND l.result = 'SUCCESS' AND l.replay_of IS NULL AND l.reason <> 're-entry'
                    GROUP BY 1
                    """, logger: TestCluster.logger
                ).decode(String.self) {
                    lines.append(line)
                }
                return lines.joined(separator: "\n")
            }
            // Through an index on the scan time (the plain one, or the partial one of
            // successful entries and exits), never the whole log.
            #expect(
                (arrivals.contains("entry_logs_scanned_at") || arrivals.contains("entry_logs_flow"))
                    && !arrivals.contains("Seq Scan on entry_logs"), "\(arrivals)")
            let report = try await client.hallOccupancy(eventID: "final")
            #expect(report.halls.first?.admissionsPerMinute.last == 1 && report.halls.first?.checkedIn == 1)
        }
    }

    /// A full seat map bigger than gRPC's default 4 MiB receive limit reaches the
    /// client (which accepts 64 MiB), while a default gRPC client refuses it. Few
    /// seats with very long ids, so the server has little to decode. (Moving 5 MB
    /// through gRPC takes over a second in a debug build, hence the longer deadline.)
    @Test func aSeatMapOverFourMiBReachesTheClient() async throws {
        let venue = """
            {"halls": [{"id": "dome", "name": "Dome"}],
             "events": [{"id": "final", "hall": "dome", "name": "Final", "starts": "now-1h", "ends": "now+3h",
                         "sections": []}]}
            """
        try await withHallServer(venue: venue, readDeadline: .seconds(20)) { server, client in
            try await withClient(server.database) { database in
                _ = try await database.query(
                    """
                    INSERT INTO seats (seat_id, event_id, hall_id, section, row_label, seat_number)
                    SELECT format('final.%s.%s', n, repeat('x', 2000)), 'final', 'dome', 'Floor', 'A', n
                    FROM generate_series(1, 2500) n
                    """, logger: TestCluster.logger
                ).collect()
            }
            #expect(await rpcCode { _ = try await server.inventory.listHallSeats(.with { $0.hallID = "dome" }) } != nil)
            let full = try await client.hallSeats(hallID: "dome")
            #expect(full.seats.count == 2500 && full.seats.reduce(0) { $0 + $1.seatID.utf8.count } > 4 << 20)
        }
    }

    /// Polls from `cursor` until a delta is empty and returns that poll's cursor: the
    /// steady state a polling map reaches. Until then a delta may repeat seats whose
    /// changes are older than the cursor can yet move past: the cursor is the xmin of
    /// the poll's snapshot, and the test cluster is shared, so another test's open
    /// transaction (any database) holds xmin back for a moment. Such repeats may only
    /// be seats in `allowing` (nil: any seat, for a cursor from a full load).
    func steadyCursor(_ client: InventoryClient, from cursor: Int64, allowing: Set<String>? = nil) async throws -> Int64 {
        var cursor = cursor
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let delta = try await client.hallSeats(hallID: "arena", since: cursor)
            #expect(delta.cursor >= cursor, "the cursor never goes down")
            if let allowing {
                #expect(Set(delta.seats.map(\.seatID)).isSubset(of: allowing), "\(delta.seats.map(\.seatID))")
            }
            cursor = delta.cursor
            if delta.seats.isEmpty { return cursor }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the seat map's delta never became empty")
    }
}
