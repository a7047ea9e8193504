import Foundation
import GRPCCore
import PostgresNIO
import Synchronization
import Testing

@testable import InventoryStore

/// libpq's multi-host URL, as `pg_autoctl show uri` prints it, read one host at a time.
@Suite struct MultiHostURLTests {
    @Test func everyHostInOrderWithTheSameSettings() throws {
        let hosts = try DatabaseSettings.clientConfigurations(
            url: "postgres://usher:s3cret@db1.venue:5432,10.0.0.6:5433/usher?target_session_attrs=read-write&sslmode=disable")
        #expect(hosts.map(DatabaseSettings.label) == ["db1.venue:5432", "10.0.0.6:5433"])
        #expect(hosts.allSatisfy { $0.username == "usher" && $0.password == "s3cret" && $0.database == "usher" })
        let one = try DatabaseSettings.clientConfigurations(url: "postgres://usher@db1:5432/usher")
        #expect(one.map(DatabaseSettings.label) == ["db1:5432"])
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
        /// told SUCCESS is lost, and no ticket is admitted twice.
        @Test func doorsKeepAdmittingThroughAPrimaryKillAndAServerKill() async throws {
            try await AutoFailoverFormation.with { formation in
                let line = try await Self.round(formation)
                print(line)
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
                }
            }
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
            let url = "postgres://postgres@" + formation.nodePorts.reversed().map { "127.0.0.1:\($0)" }.joined(separator: ",")
                + "/usher?target_session_attrs=read-write&sslmode=disable"
            return try await withServerProcess(
                database: formation.node(0), databaseURL: url, directory: directory.appendingPathComponent("a")
            ) { a in
                try await withServerProcess(
                    database: formation.node(0), databaseURL: url, directory: directory.appendingPathComponent("b")
                ) { b in
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
                            // The new primary: the other node, taking writes.
                            let other = formation.nodePorts.first { $0 != primaryPort }!
                            try await waitUntil("the standby promoted", within: .seconds(60), every: .milliseconds(100)) {
                                try await AutoFailoverFormation.psql(formation.directory, port: other, "SELECT pg_is_in_recovery()")
                            } until: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "f" }
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
        }

        static func seconds(_ duration: Duration) -> String {
            String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
    }
}
