import Foundation
import GRPCCore
import InventoryClient
import PostgresNIO
import ScanModel
import Synchronization
import Testing
import UsherCore

@testable import InventoryStore
@testable import ScanTUI

/// libpq's multi-host URL, as `pg_autoctl show uri` prints it, read one host at a time.
@Suite struct MultiHostURLTests {
    @Test func everyHostInOrderWithTheSameSettings() throws {
        let hosts = try DatabaseSettings.clientConfigurations(
            url: "postgres://usher:s3cret@db1.venue:5432,10.0.0.6:5433/usher?target_session_attrs=read-write&sslmode=disable")
        #expect(hosts.map(DatabaseSettings.label) == ["db1.venue:5432", "10.0.0.6:5433"])
        #expect(hosts.allSatisfy { $0.username == "usher" && $0.password == "s3cret" && $0.database == "usher" })
        let one = try DatabaseSettings.clientConfigurations(url: "postgres://usher@db1:5432/usher")
        #expect(one.map(DatabaseSettings.label) == ["db1:5432"])
        let v6 = try DatabaseSettings.clientConfigurations(url: "postgres://usher@[fd00::5]:5432,[fd00::6]:5433/usher")
        #expect(v6.map(DatabaseSettings.label) == ["[fd00::5]:5432", "[fd00::6]:5433"])
        let encoded = try DatabaseSettings.clientConfigurations(url: "postgres://usher:p%2Fw%3Fd%40x@db1:5432,db2:5432/usher")
        #expect(encoded.allSatisfy { $0.password == "p/w?d@x" })
    }

    /// Admissions need the primary: a URL asking for a standby is refused, not quietly
    /// given the primary; the read hosts (`--read-url`) may ask for one.
    @Test func aStandbyIsForReadsOnly() throws {
        let standby = "postgres://usher@db1:5432,db2:5432/usher?target_session_attrs=prefer-standby"
        #expect(throws: DatabaseSettings.URLError.self) { try DatabaseSettings.clientConfigurations(url: standby) }
        #expect(try DatabaseSettings.clientConfigurations(url: standby, forReads: true).count == 2)
        #expect(throws: DatabaseSettings.URLError.self) {
            try DatabaseSettings.clientConfigurations(url: "postgres://usher@db1:5432/usher?target_session_attrs=fastest")
        }
    }

    @Test(arguments: [
        "postgres://usher@db1:5432,,db2:5432/usher",  // an empty host
        "postgres://usher@db1:5432,db1:5432/usher",  // named twice
        "postgres://usher@db1:5432,db2:x/usher",  // a bad port
        "postgres://db1:5432,db2:5432/usher",  // no user
    ])
    func aBadHostListIsRefused(url: String) {
        #expect(throws: DatabaseSettings.URLError.self) { try DatabaseSettings.clientConfigurations(url: url) }
    }
}

extension LoadAndFaults {
    /// Losing a machine, on a real pg_auto_failover formation (a monitor, a primary
    /// and its synchronous standby) with two `inventory-server` processes given the
    /// formation's multi-host URL, standby first (the servers must find the primary).
    @Suite("Survive losing a machine (pg_auto_failover)", .serialized, .timeLimit(.minutes(10)))
    struct HighAvailabilityTests {
        /// Eight doors race every ticket across both servers for about 30 s. At 10 s the
        /// primary's postmaster is killed with SIGKILL; at 20 s one server is. Doors retry
        /// an unanswered scan with its scan id, on the other server. Nothing a door was
        /// told SUCCESS is lost, and no ticket is admitted twice. Three rounds, each on a
        /// formation of its own: once could be luck.
        @Test(arguments: 1...3)
        func doorsKeepAdmittingThroughAPrimaryKillAndAServerKill(round: Int) async throws {
            try await AutoFailoverFormation.with { formation in
                let line = try await Self.round(formation)
                print("\(line) (round \(round) of 3)")
            }
        }

        /// The standby stops: the primary cannot wait for it, pg_auto_failover drops to
        /// asynchronous replication, admissions go on, and `/readyz` says the server is
        /// degraded (an admission is then on one machine only).
        @Test func aDeadStandbyLeavesAdmissionsGoingAndSaysDegraded() async throws {
            try await AutoFailoverFormation.with { formation in
                let codes = try await Self.sellTickets(40, through: formation.node(0))
                let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-ha-degraded-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: directory) }
                try await withServerProcess(
                    database: formation.node(0), databaseURL: formation.databaseURL, directory: directory
                ) { server in
                    let ready = try await waitUntil("the server names its synchronous standby", within: .seconds(15)) {
                        try await httpGet(port: server.httpPort, "/readyz")
                    } until: { $0.1.contains("1 synchronous standby") }
                    #expect(ready.value.0 == 200, "\(ready.value.1)")

                    // The door is enrolled first: enrolling writes too.
                    let devices = TestDevices(database: formation.node(0), port: server.grpcPort)
                    _ = try await devices.token("door-0", role: .door, hall: "main")
                    // The standby's keeper stops, and its PostgreSQL with it.
                    try formation.keepers[2].send(SIGTERM)
                    let doors = RacingDoors(
                        codes: codes, devices: devices, ports: [server.grpcPort], doors: 1, deadline: .seconds(2),
                        pause: .milliseconds(250), retryFor: .seconds(60))
                    let scans = try await doors.run()
                    let reconciliation = try await Reconciliation.check(
                        scans, seats: Self.seats(40), allowedFailures: [.unavailable, .deadlineExceeded],
                        database: formation.node(0))
                    #expect(reconciliation.acknowledged == 40, "\(reconciliation)")
                    #expect(reconciliation.lost.isEmpty && reconciliation.double.isEmpty, "\(reconciliation)")
                    let degraded = try await waitUntil("/readyz says degraded", within: .seconds(60)) {
                        try await httpGet(port: server.httpPort, "/readyz")
                    } until: { $0.1.contains("degraded: no synchronous standby") }
                    #expect(degraded.value.0 == 200, "degraded is still ready: \(degraded.value.1)")
                    // What a supervisor's seat map and occupancy view are told.
                    let supervisor = try await devices.token("supervisor-0", role: .supervisor)
                    try await withRawInventoryClient(port: server.grpcPort, token: supervisor) { inventory in
                        let map = try await inventory.listHallSeats(.with { $0.hallID = "main" })
                        #expect(map.databaseWarning == "degraded: no synchronous standby")
                        let occupancy = try await inventory.getHallOccupancy(.init())
                        #expect(occupancy.databaseWarning == "degraded: no synchronous standby")
                    }
                }
            }
        }

        /// Seat maps and occupancy are read from the standby (`--read-url`); when it
        /// stops, from the primary, and a supervisor's screen goes on.
        @Test func seatMapsAreReadFromTheStandbyAndFromThePrimaryWhenItStops() async throws {
            try await AutoFailoverFormation.with { formation in
                _ = try await Self.sellTickets(40, through: formation.node(0))
                let (primaryPort, standbyPort) = (formation.nodePorts[0], formation.nodePorts[1])
                let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-ha-reads-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: directory) }
                try await withServerProcess(
                    database: formation.node(0), databaseURL: formation.databaseURL, directory: directory,
                    // As the README says to: both hosts, a standby preferred.
                    arguments: [
                        "--read-url",
                        "postgres://postgres@127.0.0.1:\(primaryPort),127.0.0.1:\(standbyPort)/usher"
                            + "?target_session_attrs=prefer-standby&sslmode=disable",
                    ]
                ) { server in
                    try await waitUntil("/readyz names the standby for reads", within: .seconds(15)) {
                        try await httpGet(port: server.httpPort, "/readyz")
                    } until: { $0.1.contains("database reads: standby 127.0.0.1:\(standbyPort)") }
                    let token = try await TestDevices(database: formation.node(0), port: server.grpcPort)
                        .token("supervisor-0", role: .supervisor)
                    // Only seat maps and occupancy read `seats` on the standby: its own
                    // count of scans of that table shows where they ran.
                    let scansBefore = try await Self.seatScans(formation, port: standbyPort)
                    try await withRawInventoryClient(port: server.grpcPort, token: token) { inventory in
                        let map = try await inventory.listHallSeats(.with { $0.hallID = "main" })
                        #expect(map.seats.count == TestVenue.arenaSeats(rows: 0..<25).count)
                        #expect(map.seats.filter { $0.status == .sold }.count == 40)
                        let occupancy = try await inventory.getHallOccupancy(.init())
                        #expect(occupancy.halls.map(\.sold) == [40])
                        #expect(occupancy.databaseWarning.isEmpty, "a synchronous standby: \(occupancy.databaseWarning)")
                    }
                    // A backend's statistics reach the view within 10 s of it going idle.
                    try await waitUntil("the standby counts the reads", within: .seconds(30)) {
                        try await Self.seatScans(formation, port: standbyPort)
                    } until: { $0 > scansBefore }

                    // The standby's keeper stops, and its PostgreSQL with it. Seat maps go
                    // on at once, within a supervisor's deadline, before the server's probe
                    // has noticed (the read falls back to the primary by itself), and after.
                    try formation.keepers[2].send(SIGTERM)
                    try await withRawInventoryClient(port: server.grpcPort, token: token) { inventory in
                        var options = CallOptions.defaults
                        options.timeout = .seconds(3)
                        let started = ContinuousClock.now
                        while ContinuousClock.now - started < .seconds(5) {
                            let map = try await inventory.listHallSeats(.with { $0.hallID = "main" }, options: options)
                            #expect(map.seats.filter { $0.status == .sold }.count == 40)
                        }
                    }
                    try await waitUntil("/readyz says reads go to the primary", within: .seconds(60)) {
                        try await httpGet(port: server.httpPort, "/readyz")
                    } until: { $0.1.contains("database reads: 127.0.0.1:\(primaryPort) (no standby fit to read from)") }
                    try await withRawInventoryClient(port: server.grpcPort, token: token) { inventory in
                        let map = try await inventory.listHallSeats(.with { $0.hallID = "main" })
                        #expect(map.seats.filter { $0.status == .sold }.count == 40)
                    }
                }
            }
        }

        /// Two offline-mode doors (their real ``OfflineDoor`` runners and SQLite stores)
        /// on both servers. The primary's postmaster is killed; through the gap the doors
        /// admit from their stores, journal first; their journals then upload, through
        /// either server, to the new primary: every scan once, none doubled, none lost.
        @Test func offlineDoorsAdmitThroughAPrimaryKillAndUploadToTheNewPrimary() async throws {
            try await AutoFailoverFormation.with { formation in
                let tickets = 60
                let codes = try await Self.sellTickets(tickets, through: formation.node(0))
                let primaryPort = try await formation.waitForPrimaryWithStandby(within: .seconds(30))
                let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-ha-offline-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: directory) }
                try await Self.withTwoServers(formation, in: directory) { a, b in
                    let devices = TestDevices(database: formation.node(0), port: a.grpcPort)
                    let doors = try ["door-a", "door-b"].map { try OfflineDoorEndToEndTests.door($0, directory: directory) }
                    var clients: [InventoryClientConfiguration] = []
                    for door in doors {
                        var client = try InventoryClientConfiguration(target: "127.0.0.1:\(a.grpcPort),127.0.0.1:\(b.grpcPort)")
                        client.credential = try await devices.token(door.door.terminalID, role: .door, hall: "main")
                        clients.append(client)
                        try await withInventoryClient(client) { client in
                            let synced = try await door.syncOnce(client: client).get()
                            #expect(synced.seats >= tickets)
                        }
                    }

                    kill(try formation.postmaster(port: primaryPort), SIGKILL)
                    // Through the gap: each door admits half the tickets from its store.
                    for (index, door) in doors.enumerated() {
                        for ticket in stride(from: index, to: tickets, by: 2) {
                            let scan = Scan(id: "\(door.door.terminalID)-\(ticket)", code: codes[ticket], readAt: Date())
                            let report = try door.decide(scan).get()
                            #expect(report.result == .success && report.offline != nil, "\(scan.id): \(report.verdict.message)")
                        }
                    }

                    let newPrimary = try await formation.waitForPromotion(awayFrom: primaryPort, within: .seconds(60))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (door, configuration) in zip(doors, clients) {
                            group.addTask {
                                try await withInventoryClient(configuration) { client in
                                    let (_, sink) = AsyncStream<TerminalEvent>.makeStream()
                                    try await door.runUploads(client: client, sink: sink)
                                }
                            }
                        }
                        try await waitUntil("both journals uploaded", within: .seconds(60), every: .milliseconds(250)) {
                            try doors.map { try $0.store.pendingCount() }
                        } until: { $0 == [0, 0] }
                        group.cancelAll()
                        try? await group.waitForAll()
                    }

                    let counts = (
                        try await Self.count(formation, port: newPrimary, "SELECT count(*) FROM seats WHERE status = 'CHECKED_IN'"),
                        try await Self.count(formation, port: newPrimary, "SELECT count(*) FROM seat_history WHERE action = 'CHECK_IN'"),
                        try await Self.count(
                            formation, port: newPrimary,
                            "SELECT count(DISTINCT scan_id) FROM entry_logs WHERE offline_result IS NOT NULL AND replay_of IS NULL")
                    )
                    print("HA offline: admitted \(counts.0), check-ins \(counts.1), journal rows on the new primary \(counts.2) of \(tickets)")
                    #expect(counts.0 == tickets && counts.1 == tickets, "every offline admission once")
                    #expect(counts.2 == tickets, "every journal row uploaded once")
                }
            }
        }

        /// Two `inventory-server` processes on the formation's multi-host URL.
        static func withTwoServers<T: Sendable>(
            _ formation: AutoFailoverFormation, in directory: URL, standbyFirst: Bool = false,
            _ body: (ServerProcess, ServerProcess) async throws -> T
        ) async throws -> T {
            let hosts = standbyFirst ? formation.nodePorts.reversed() : formation.nodePorts
            let url = "postgres://postgres@" + hosts.map { "127.0.0.1:\($0)" }.joined(separator: ",")
                + "/usher?target_session_attrs=read-write&sslmode=disable"
            return try await withServerProcess(
                database: formation.node(0), databaseURL: url, directory: directory.appendingPathComponent("a")
            ) { a in
                try await withServerProcess(
                    database: formation.node(0), databaseURL: url, directory: directory.appendingPathComponent("b")
                ) { b in try await body(a, b) }
            }
        }

        /// How many times `seats` was scanned on the node at `port` (its own statistics).
        static func seatScans(_ formation: AutoFailoverFormation, port: Int) async throws -> Int {
            try await count(
                formation, port: port,
                "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables WHERE relname = 'seats'")
        }

        /// The one number `sql` answers on the node at `port`.
        static func count(_ formation: AutoFailoverFormation, port: Int, _ sql: String) async throws -> Int {
            let text = try await AutoFailoverFormation.psql(formation.directory, port: port, sql)
            guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw TestFailure("\(sql) on \(port) said \(text)")
            }
            return value
        }

        static func seats(_ count: Int) -> [String] { Array(TestVenue.arenaSeats(rows: 0..<25).prefix(count)) }

        /// The arena venue on the formation, and `count` tickets sold, through the primary.
        static func sellTickets(_ count: Int, through primary: PostgresClient.Configuration) async throws -> [String] {
            let sold = Mutex<[String]>([])
            try await withTestServer(database: primary, venue: TestVenue.arena) { boxOffice in
                let codes = try await ExactlyOnceTests.sell(seats(count), at: boxOffice)
                sold.withLock { $0 = codes }
            }
            return sold.withLock { $0 }
        }

        /// One round of the load test; returns its one-line summary.
        static func round(_ formation: AutoFailoverFormation) async throws -> String {
            let tickets = 120
            let codes = try await sellTickets(tickets, through: formation.node(0))
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-ha-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let primaryPort = try await formation.waitForPrimaryWithStandby(within: .seconds(30))
            // Standby first: each server must find the primary itself.
            return try await withTwoServers(formation, in: directory, standbyFirst: true) { a, b in
                let devices = TestDevices(database: formation.node(0), port: a.grpcPort)
                // 120 tickets, one every 250 ms: each door runs about 30 s.
                let doors = RacingDoors(
                    codes: codes, devices: devices, ports: [a.grpcPort, b.grpcPort], doors: 8, deadline: .milliseconds(1500),
                    pause: .milliseconds(250), retryFor: .seconds(45), failover: true)
                enum Outcome: Sendable {
                    case scans([RacingDoors.Scan])
                    /// From the SIGKILL until the standby took writes.
                    case promoted(after: Duration)
                }
                let serverA = a
                var scans: [RacingDoors.Scan] = []
                var gap: Duration?
                try await withThrowingTaskGroup(of: Outcome.self) { group in
                    group.addTask { .scans(try await doors.run()) }
                    group.addTask {
                        try await Task.sleep(for: .seconds(10))
                        let killed = ContinuousClock.now
                        kill(try formation.postmaster(port: primaryPort), SIGKILL)
                        _ = try await formation.waitForPromotion(awayFrom: primaryPort, within: .seconds(60))
                        let promoted = ContinuousClock.now - killed
                        try await Task.sleep(until: killed + .seconds(10))
                        try serverA.send(SIGKILL)
                        return .promoted(after: promoted)
                    }
                    for try await outcome in group {
                        switch outcome {
                        case .scans(let all): scans = all
                        case .promoted(let after): gap = after
                        }
                    }
                }
                let primaryNow = try await formation.waitForPrimaryWithStandby(within: .seconds(90))
                let reconciliation = try await Reconciliation.check(
                    scans, seats: seats(tickets), allowedFailures: [.unavailable, .deadlineExceeded],
                    database: formation.node(formation.nodePorts.firstIndex(of: primaryNow)!))
                let longest = scans.map(\.waited).max() ?? .zero
                let line =
                    "HA: scans \(reconciliation.scans), acknowledged SUCCESS \(reconciliation.acknowledged), "
                    + "present \(reconciliation.present), lost \(reconciliation.lost.count), "
                    + "double \(reconciliation.double.count), UNAVAILABLE seen by doors \(seconds(longest)) s (longest wait), "
                    + "new primary after \(gap.map(seconds) ?? "?") s"
                if !reconciliation.lost.isEmpty || !reconciliation.double.isEmpty {
                    // What each door was told about the tickets in question, and when.
                    let tickets = Set((reconciliation.lost + reconciliation.double).compactMap { entry in
                        seats(tickets).firstIndex { entry.hasPrefix($0 + " ") || entry.hasPrefix($0 + ":") }
                    })
                    for scan in scans where tickets.contains(scan.ticket) {
                        print("HA: ticket \(scan.ticket) \(scan.door) via \(scan.port) at \(scan.answeredAt.timeIntervalSince1970): \(scan.told) replayed \(scan.replayed) after \(scan.failedAttempts) \(scan.message)")
                    }
                    print(try await AutoFailoverFormation.autoctl(
                        formation.directory, ["show", "events", "--pgdata", formation.monitorData, "--count", "30"]
                    ).run(timeout: .seconds(10)).output)
                }
                #expect(reconciliation.lost.isEmpty, "\(line): \(reconciliation.lost)")
                #expect(reconciliation.double.isEmpty, "\(line): \(reconciliation.double)")
                #expect(reconciliation.wrong.isEmpty, "\(line): \(reconciliation.wrong)")
                #expect(reconciliation.acknowledged == tickets, "every ticket admitted once in the end: \(line)")
                return line
            }
        }

        static func seconds(_ duration: Duration) -> String {
            String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
    }
}
