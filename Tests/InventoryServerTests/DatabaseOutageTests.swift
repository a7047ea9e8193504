import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import Synchronization
import Testing

extension LoadAndFaults {
    /// Takes PostgreSQL away under a running server, idle and under load: within 3 s
    /// gRPC health says NOT_SERVING and /readyz answers 503 with the reason, calls fail
    /// UNAVAILABLE inside their deadline (never hang, never a wrong verdict), and
    /// within 3 s of the database's return the server is SERVING again by itself.
    @Suite("Database outage", .timeLimit(.minutes(5)))
    struct DatabaseOutageTests {
        /// The promise: an outage, and its end, are seen within this.
        static let promise = Duration.seconds(3)
        /// A door's deadline in these tests; the server's own call bound is 2 s, and
        /// the difference is room for a starved test machine to carry the answer.
        static let deadline = Duration.seconds(4)

        enum Fault: String {
            /// pg_ctl stop: connections are closed, new ones refused.
            case stopped
            /// Every PostgreSQL process SIGSTOPped: connections stay open and nothing answers.
            case frozen
        }

        @Test func stoppedWhileIdle() async throws { try await outage(.stopped, underLoad: false) }
        @Test func stoppedUnderLoad() async throws { try await outage(.stopped, underLoad: true) }
        @Test func frozenWhileIdle() async throws { try await outage(.frozen, underLoad: false) }
        @Test func frozenUnderLoad() async throws { try await outage(.frozen, underLoad: true) }

        struct Observation: Sendable, CustomStringConvertible {
            var health: Grpc_Health_V1_HealthCheckResponse.ServingStatus
            var ready: Int
            var readyBody: String
            var description: String { "health \(health), /readyz \(ready) \(readyBody.debugDescription)" }
        }

        static func observe(_ server: TestServer) async throws -> Observation {
            var options = CallOptions.defaults
            options.timeout = .seconds(1)
            let health = try await server.health.check(request: .init(message: .with { $0.service = "" }), options: options) {
                try $0.message.status
            }
            let (ready, body) = try await server.http("/readyz")
            return Observation(health: health, ready: ready, readyBody: body)
        }

        /// One MarkCheckedIn at door-1 with `deadline`; the status it failed with (nil: a verdict).
        static func scan(_ server: TestServer, _ code: String, scanID: String, deadline: Duration) async -> RPCError.Code? {
            await rpcCode {
                var options = CallOptions.defaults
                options.timeout = deadline
                _ = try await server.inventory.markCheckedIn(
                    request: .init(message: .with {
                        $0.ticketCode = code
                        $0.hallID = "main"
                        $0.staffID = "staff-1"
                        // Empty: the calling device (the test's admin) is the terminal.
                        $0.terminalID = ""
                        $0.scanID = scanID
                    }), options: options) { try $0.message }
            }
        }

        func outage(_ fault: Fault, underLoad: Bool) async throws {
            let cluster = try TestCluster.makeCluster(name: "outage-\(fault.rawValue)-\(underLoad ? "load" : "idle")")
            try await cluster.start()
            ClusterReaper.register(cluster)
            defer {
                cluster.thaw()  // a failed frozen test must not leave a stopped postmaster behind
                ClusterReaper.unregister(cluster)
            }
            try await withTestServer(database: cluster.clientConfiguration(), callTimeout: .seconds(2)) { server in
                let code = try await server.sell("gala.stalls.A.1", to: "alice")
                let other = try await server.sell("gala.stalls.A.2", to: "bob")
                // Its own ticket: an abandoned attempt may still commit once the database is back.
                let early = try await server.sell("gala.stalls.A.3", to: "carol")
                try await waitUntil("SERVING before the outage", observe: { try await Self.observe(server) }) {
                    $0.health == .serving && $0.ready == 200
                }
                let load = underLoad ? DoorLoad(server: server, code: other, doors: 8, deadline: Self.deadline) : nil
                try await withDoorLoad(load) {
                    if let load {
                        // "Under load" only once the doors are getting answers.
                        try await waitUntil("the doors scanning", within: .seconds(30), observe: {
                            load.told[.success, default: 0] + load.told[.duplicate, default: 0]
                        }) { $0 >= 8 }
                    }
                    switch fault {
                    case .stopped: try await cluster.stop()
                    case .frozen: cluster.freeze()
                    }
                    if fault == .frozen && !underLoad {
                        // Before the probe notices: a scan whose deadline (1.5 s) is shorter
                        // than the server's own bound (2 s) still hears UNAVAILABLE, in time:
                        // the server answers before the door's deadline, not after it.
                        let started = ContinuousClock.now
                        let status = await Self.scan(server, early, scanID: "frozen-early", deadline: .milliseconds(1500))
                        let elapsed = ContinuousClock.now - started
                        #expect(status == .unavailable && elapsed < .milliseconds(1500), "\(String(describing: status)) after \(elapsed)")
                    }
                    let down = try await waitUntil("NOT_SERVING and /readyz 503", within: Self.promise, observe: {
                        try await Self.observe(server)
                    }) { $0.health == .notServing && $0.ready == 503 }
                    #expect(down.value.readyBody.contains("not ready: database unavailable"), "\(down.value)")
                    print("database \(fault.rawValue)\(underLoad ? " under load" : ""): NOT_SERVING after \(down.after)")

                    let started = ContinuousClock.now
                    let status = await Self.scan(server, code, scanID: "outage-scan", deadline: Self.deadline)
                    let elapsed = ContinuousClock.now - started
                    #expect(status == .unavailable, "a scan during the outage")
                    #expect(elapsed < Self.deadline, "answered within the door's deadline: took \(elapsed)")
                    #expect(try await server.http("/healthz").0 == 200, "the process itself is alive")

                    switch fault {
                    case .stopped: try await cluster.start()
                    case .frozen: cluster.thaw()
                    }
                    let up = try await waitUntil("SERVING again", within: Self.promise, observe: {
                        try await Self.observe(server)
                    }) { $0.health == .serving && $0.ready == 200 }
                    print("database \(fault.rawValue)\(underLoad ? " under load" : ""): SERVING again after \(up.after)")
                }
                if let load {
                    let told = load.told
                    #expect(told[.success, default: 0] + told[.duplicate, default: 0] > 0, "the load ran: \(told)")
                    let wrong = told.filter { ![.success, .duplicate, .unavailable].contains($0.key) }
                    #expect(wrong.isEmpty, "doors got only verdicts or UNAVAILABLE: \(told)")
                }
                // The scan that got UNAVAILABLE is retried with its scan id: admitted once.
                let retried = try await server.admit(code, scanID: "outage-scan")
                #expect(retried.result == .success)
                #expect(try await server.admit(code).result == .duplicate)
            }
            try await cluster.stop()
        }
    }
}

/// Doors verifying one ticket over and over until told to stop, counting what
/// they were told: a verdict, or a failed call's status.
final class DoorLoad: Sendable {
    enum Told: Hashable, Sendable, CustomStringConvertible {
        case success, duplicate, otherVerdict, unavailable, deadlineExceeded, otherError(RPCError.Code)
        var description: String {
            switch self {
            case .success: "SUCCESS"
            case .duplicate: "DUPLICATE"
            case .otherVerdict: "other verdict"
            case .unavailable: "UNAVAILABLE"
            case .deadlineExceeded: "DEADLINE_EXCEEDED"
            case .otherError(let code): "\(code)"
            }
        }
    }

    let server: TestServer
    let code: String
    let doors: Int
    let deadline: Duration
    private let counts = Mutex<[Told: Int]>([:])

    init(server: TestServer, code: String, doors: Int, deadline: Duration) {
        self.server = server
        self.code = code
        self.doors = doors
        self.deadline = deadline
    }

    var told: [Told: Int] { counts.withLock { $0 } }

    func run() async {
        await withDiscardingTaskGroup { group in
            for door in 0..<doors {
                group.addTask { await self.door(door) }
            }
        }
    }

    private func door(_ door: Int) async {
        var options = CallOptions.defaults
        options.timeout = deadline
        while !Task.isCancelled {
            let request = Inventory_VerifyTicketRequest.with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "staff-\(door)"
                $0.terminalID = ""  // the calling device: enrolling more during an outage would fail
            }
            let outcome: Told
            do {
                let result = try await server.inventory.verifyTicket(request: .init(message: request), options: options) {
                    try $0.message.result
                }
                outcome = result == .success ? .success : result == .duplicate ? .duplicate : .otherVerdict
            } catch let error as RPCError {
                if Task.isCancelled { return }  // the load was stopped mid-call: not the server's answer
                outcome = error.code == .unavailable ? .unavailable : error.code == .deadlineExceeded ? .deadlineExceeded : .otherError(error.code)
            } catch {
                return
            }
            counts.withLock { $0[outcome, default: 0] += 1 }
            if outcome != .success && outcome != .duplicate { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }
}

/// Runs `body` while `load` (if any) runs beside it, then stops the load.
func withDoorLoad(_ load: DoorLoad?, _ body: @Sendable () async throws -> Void) async throws {
    guard let load else { return try await body() }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await load.run() }
        defer { group.cancelAll() }
        try await body()
    }
}
