import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import PostgresNIO
import Synchronization
import Testing

@testable import InventoryServer

extension LoadAndFaults {
    /// The fault suite: racing doors while something breaks, then the database is
    /// checked against what the doors were told. Each case prints one line: scans,
    /// acknowledged (told SUCCESS), present (that admission is in the database), lost,
    /// double, wrong.
    @Suite("Faults under load", .timeLimit(.minutes(6)))
    struct FaultSuiteTests {
        /// 300 tickets at one scan per 20 ms a door: the load lasts well past the fault,
        /// which starts after a second.
        static let tickets = 300
        static let pause = Duration.milliseconds(20)
        static let doors = 6
        /// A door gives up on a scan after this and shows NOT CHECKED.
        static let doorDeadline = Duration.seconds(5)
        /// How long a door keeps retrying one scan (same scan id) that got no verdict:
        /// longer than any outage here, so the load lasts through the recovery and every
        /// retry across it is checked for exactly-once.
        static let doorPatience = Duration.seconds(15)
        /// Failures a door may see while a server or its database is down: no verdict,
        /// never a wrong one.
        static let noVerdict: Set<RPCError.Code> = [.unavailable, .deadlineExceeded]

        /// A cluster that keeps acknowledged commits across a PostgreSQL crash, with the
        /// arena venue imported (through an in-process box-office server) and `tickets`
        /// sold; `body` gets the cluster, a scratch directory for server processes
        /// (removed afterwards), the seats and their codes.
        func withSoldArena(
            _ name: String,
            _ body: @escaping @Sendable (EmbeddedPostgres, URL, [String], [String]) async throws -> Void
        ) async throws {
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-fault-\(name)-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let cluster = try TestCluster.makeCluster(name: name, durableCommits: true)
            try await cluster.start()
            ClusterReaper.register(cluster)
            defer { ClusterReaper.unregister(cluster) }
            try await withTestServer(database: cluster.clientConfiguration(), venue: TestVenue.arena) { boxOffice in
                let seats = Array(TestVenue.arenaSeats(rows: 0..<(Self.tickets / 40 + 1)).prefix(Self.tickets))
                let codes = try await ExactlyOnceTests.sell(seats, at: boxOffice)
                do {
                    try await body(cluster, directory, seats, codes)
                } catch let error as PSQLError {
                    // PostgresNIO's description is generic on purpose; a failing test needs the detail.
                    throw TestFailure(String(reflecting: error))
                }
            }
            try await cluster.stop()
        }

        /// Racing doors beside `fault`, which starts once the doors have been at it for a second.
        /// The doors must still be at it when the fault is over, or it was not "under load".
        static func doorsDuring(
            _ doors: RacingDoors, _ fault: () async throws -> Void
        ) async throws -> [RacingDoors.Scan] {
            let finished = Mutex(false)
            async let scans = {
                defer { finished.withLock { $0 = true } }
                return try await doors.run()
            }()
            try await Task.sleep(for: .seconds(1))
            try await fault()
            #expect(!finished.withLock { $0 }, "the doors were still scanning when the fault was over")
            return try await scans
        }

        /// The doors every case races: `doors` of them on one server port.
        static func racingDoors(_ codes: [String], port: Int, database: PostgresClient.Configuration) -> RacingDoors {
            RacingDoors(
                codes: codes, devices: TestDevices(database: database, port: port), ports: [port], doors: doors,
                deadline: doorDeadline, pause: pause, retryFor: doorPatience)
        }

        @Test func serverKilledWithSIGKILLUnderLoadThenRestarted() async throws {
            try await withSoldArena("kill-server") { cluster, directory, seats, codes in
                let database = cluster.clientConfiguration()
                // Chosen up front, outside the ephemeral range: while the server is down
                // the doors' own connections must not be able to take its port.
                let (grpcPort, httpPort) = (try freePort(), try freePort())
                try await withServerProcess(database: database, directory: directory, grpcPort: grpcPort, httpPort: httpPort) { first in
                    let doors = Self.racingDoors(codes, port: first.grpcPort, database: database)
                    try await withThrowingTaskGroup(of: [RacingDoors.Scan].self) { group in
                        group.addTask { try await doors.run() }
                        try await Task.sleep(for: .seconds(1))
                        try first.send(SIGKILL)
                        try await first.waitForExit(within: .seconds(5))
                        let started = ContinuousClock.now
                        try await withServerProcess(
                            database: database, directory: directory, grpcPort: first.grpcPort, httpPort: first.httpPort
                        ) { again in
                            let ready = ContinuousClock.now - started
                            print("fault kill -9 server: ready again after \(ready)")
                            #expect(ready <= .seconds(3), "ready again within 3 s of the restart")

                            let scans = try await group.next() ?? []
                            let outcome = try await Reconciliation.check(
                                scans, seats: seats, allowedFailures: Self.noVerdict, database: database)
                            print("fault kill -9 server: \(outcome)")
                            #expect(outcome.acknowledged > 0 && outcome.lost.isEmpty && outcome.double.isEmpty && outcome.wrong.isEmpty,
                                    "\(outcome): lost \(outcome.lost.prefix(3)) double \(outcome.double.prefix(3)) wrong \(outcome.wrong.prefix(3))")
                            #expect(outcome.retried > 0, "the kill was felt")

                            // Every door whose SUCCESS reply it saw retries with the same scan id:
                            // the same SUCCESS, marked as a replay.
                            let acknowledged = scans.filter { $0.told == .verdict(.success) }
                            for scan in acknowledged {
                                let token = try await doors.devices.token(scan.door, role: .door, hall: "main")
                                try await withRawInventoryClient(port: again.grpcPort, token: token) { inventory in
                                    let retry = try await RacingDoors.scan(
                                        codes[scan.ticket], ticket: scan.ticket, scanID: scan.scanID, door: scan.door, via: inventory,
                                        options: .defaults)
                                    #expect(retry.told == .verdict(.success) && retry.replayed,
                                            "retry of \(scan.scanID): \(retry.told) \(retry.message)")
                                }
                            }
                        }
                    }
                }
            }
        }

        @Test func postgresStoppedForFiveSecondsUnderLoad() async throws {
            try await databaseFault("pg-stopped", "PostgreSQL stopped 5 s", recovery: .seconds(3), mustBeFelt: true) { cluster in
                try await cluster.stop()
                try await Task.sleep(for: .seconds(5))
                try await cluster.start()
            }
        }

        /// Short enough that doors may only notice slower answers (calls wait for a
        /// connection, within their bound): that is fine; losing nothing is the point.
        @Test func postgresKilledWithSIGKILLAndRestarted() async throws {
            try await databaseFault("pg-killed", "PostgreSQL kill -9", recovery: .seconds(5), mustBeFelt: false) { cluster in
                try await cluster.crash()
                try await Task.sleep(for: .seconds(1))
                try await cluster.start()  // crash recovery from the WAL
            }
        }

        /// Racing doors on a server process while `fault` takes its database away and
        /// brings it back: the server is SERVING again within `recovery` of the return
        /// without a restart, doors were told verdicts or UNAVAILABLE (never a wrong
        /// verdict), and every admission a door saw is in the database, once.
        func databaseFault(
            _ name: String, _ label: String, recovery: Duration, mustBeFelt: Bool,
            _ fault: @escaping @Sendable (EmbeddedPostgres) async throws -> Void
        ) async throws {
            try await withSoldArena(name) { cluster, directory, seats, codes in
                let database = cluster.clientConfiguration()
                try await withServerProcess(database: database, directory: directory) { server in
                    let doors = Self.racingDoors(codes, port: server.grpcPort, database: database)
                    let scans = try await Self.doorsDuring(doors) {
                        try await fault(cluster)
                        let back = try await waitUntil("the server SERVING again by itself", within: recovery, observe: {
                            try await httpGet(port: server.httpPort, "/readyz")
                        }) { $0.0 == 200 }
                        print("fault \(label): ready again \(back.after) after the database's return")
                    }
                    let outcome = try await Reconciliation.check(scans, seats: seats, allowedFailures: [.unavailable], database: database)
                    print("fault \(label): \(outcome)")
                    if mustBeFelt { #expect(outcome.retried > 0, "the fault was felt: doors got no verdict and retried") }
                    #expect(outcome.acknowledged > 0 && outcome.lost.isEmpty && outcome.double.isEmpty && outcome.wrong.isEmpty,
                            "\(outcome): lost \(outcome.lost.prefix(3)) double \(outcome.double.prefix(3)) wrong \(outcome.wrong.prefix(3))")
                }
            }
        }
    }
}

extension ExternalPrograms {
    /// With a broker: in the serialized external-programs suite (a booting Erlang VM
    /// takes both cores for seconds).
    @Suite("Faults under load: RabbitMQ", .timeLimit(.minutes(5)))
    struct BrokerFaultTests {
        @Test func brokerStoppedUnderLoad() async throws {
            try await withTestBroker { broker in
                let database = try await TestCluster.shared.freshDatabase()
                try await withTestServer(
                    database: database, venue: TestVenue.arena, sweepInterval: .milliseconds(500),
                    amqp: try DeadLetterExpiryTests.configuration(broker)
                ) { server in
                    let seats = Array(TestVenue.arenaSeats(rows: 0..<8).prefix(LoadAndFaults.FaultSuiteTests.tickets))
                    let codes = try await LoadAndFaults.ExactlyOnceTests.sell(seats, at: server)
                    try await eventually("amqp publisher connected") {
                        try await server.http("/readyz").1.contains("amqp publisher: connected")
                    }
                    let holds = TestVenue.arenaSeats(rows: 10..<11).prefix(5)
                    let doors = RacingDoors(
                        codes: codes, devices: server.devices, ports: [server.endpoints.grpcPort], doors: LoadAndFaults.FaultSuiteTests.doors,
                        // 300 tickets, 30 ms apart: at least 9 s of scanning on an idle machine, so
                        // the load outlasts stopping the broker and the holds' 2.5 s expiry (with
                        // 5 ms apart the doors finished first when the suite ran alone).
                        deadline: LoadAndFaults.FaultSuiteTests.doorDeadline, pause: .milliseconds(30))
                    let scans = try await LoadAndFaults.FaultSuiteTests.doorsDuring(doors) {
                        await broker.stop()
                        for seat in holds { try await server.reserve(seat, by: "holder", holdSeconds: 2) }
                        // Released on time: 2 s hold + one 0.5 s sweep + slack for a busy machine.
                        for seat in holds {
                            try await waitUntil("\(seat)'s hold released by the sweep", within: .seconds(5), observe: {
                                try await server.seat(seat).status
                            }) { $0 == .available }
                        }
                    }
                    let outcome = try await Reconciliation.check(scans, seats: seats, allowedFailures: [], database: database)
                    print("fault RabbitMQ stopped: \(outcome)")
                    #expect(outcome.acknowledged == seats.count, "every ticket admitted once")
                    #expect(outcome.lost.isEmpty && outcome.double.isEmpty && outcome.wrong.isEmpty,
                            "check-ins unaffected: \(outcome) \(outcome.wrong.prefix(3))")
                    for seat in holds {
                        #expect(try await server.count(
                            "SELECT count(*) FROM seat_history WHERE seat_id = \(seat) AND action = 'EXPIRE' AND detail = 'expired (sweep)'") == 1)
                    }
                }
            }
        }
    }
}
