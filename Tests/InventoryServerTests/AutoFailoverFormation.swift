import ChildProcess
import Foundation
import PostgresNIO

@testable import InventoryStore

/// A real pg_auto_failover formation on loopback, for the HA tests: a monitor and two
/// data nodes, each a `pg_autoctl` keeper running its own PostgreSQL (as the postgres
/// user when we are root), in a scratch directory that goes with the call. Nothing
/// here manages failover: pg_auto_failover does, as in production.
///
/// Every wait has a deadline and, when it fails, says what `pg_autoctl show state`
/// (and the keepers' output) said last.
struct AutoFailoverFormation: Sendable {
    let directory: URL
    let monitorPort: Int
    let nodePorts: [Int]
    let keepers: [RunningCommand]

    /// The formation's database, one host per node in node order, as `pg_autoctl show uri`
    /// prints it (with a user, and without TLS on loopback).
    var databaseURL: String {
        "postgres://postgres@" + nodePorts.map { "127.0.0.1:\($0)" }.joined(separator: ",")
            + "/usher?target_session_attrs=read-write&sslmode=disable"
    }

    /// One node as a single-host client configuration.
    func node(_ index: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: nodePorts[index], username: "postgres", password: nil, database: "usher", tls: .disable)
        DatabaseSettings.applyDefaults(to: &configuration)
        return configuration
    }

    struct NodeState: Sendable, Decodable, CustomStringConvertible {
        var nodeport: Int
        var current_group_state: String
        var assigned_group_state: String
        var description: String { "\(nodeport): \(current_group_state)→\(assigned_group_state)" }
    }

    /// What the monitor says of each node.
    func states() async throws -> [NodeState] {
        let result = try await Self.autoctl(directory, ["show", "state", "--pgdata", monitorData, "--json"]).run(
            timeout: .seconds(10), capture: .separate)
        return try JSONDecoder().decode([NodeState].self, from: Data(result.output.utf8))
    }

    /// The port of the node the monitor calls primary, once it is one and its standby
    /// is a secondary again.
    func waitForPrimaryWithStandby(within limit: Duration) async throws -> Int {
        let (states, _) = try await waitUntil("a primary and a secondary", within: limit, every: .milliseconds(250)) {
            try await self.states()
        } until: { states in
            Set(states.map(\.current_group_state)) == ["primary", "secondary"]
                && states.allSatisfy { $0.current_group_state == $0.assigned_group_state }
        }
        return states.first { $0.current_group_state == "primary" }!.nodeport
    }

    /// Waits until the node other than `port` takes writes (its standby promoted);
    /// returns its port.
    func waitForPromotion(awayFrom port: Int, within limit: Duration) async throws -> Int {
        let other = nodePorts.first { $0 != port }!
        try await waitUntil("the standby promoted", within: limit, every: .milliseconds(100)) {
            try await Self.psql(directory, port: other, "SELECT pg_is_in_recovery()")
        } until: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "f" }
        return other
    }

    /// The postmaster's pid of the node on `port` (its postmaster.pid's first line).
    func postmaster(port: Int) throws -> Int32 {
        let index = nodePorts.firstIndex(of: port)!
        let pidFile = directory.appendingPathComponent("node\(index + 1)/postmaster.pid")
        guard let line = try String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").first, let pid = Int32(line)
        else { throw TestFailure("no postmaster pid in \(pidFile.path)") }
        return pid
    }

    var monitorData: String { directory.appendingPathComponent("monitor").path }

    // MARK: start and stop

    /// Makes the formation (monitor, then node 1 as primary, then node 2 as its
    /// synchronous standby: pg_auto_failover's default with two data nodes), runs
    /// `body`, and stops every keeper (and so every PostgreSQL) however it ends.
    static func with<T: Sendable>(_ body: (AutoFailoverFormation) async throws -> T) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-ha-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if let user = try EmbeddedPostgres.runAsUser(), let account = getpwnam(user) {
            guard chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw TestFailure("cannot give \(directory.path) to \(user)")
            }
        }
        let (monitorPort, first, second) = (try freePort(), try freePort(), try freePort())
        let bin = try EmbeddedPostgres.binDirectory()
        let monitorData = directory.appendingPathComponent("monitor").path
        let created = try await autoctl(directory, [
            "create", "monitor", "--pgdata", monitorData, "--pgport", "\(monitorPort)", "--hostname", "127.0.0.1",
            "--auth", "trust", "--no-ssl", "--pgctl", "\(bin)/pg_ctl",
        ]).run(timeout: .seconds(90), capture: .combined, allowFailure: true)
        guard created.succeeded else { throw TestFailure("pg_autoctl create monitor failed:\n\(created.output)") }
        let monitorURI = "postgres://autoctl_node@127.0.0.1:\(monitorPort)/pg_auto_failover?sslmode=disable"
        func node(_ number: Int, port: Int) -> Command {
            autoctl(directory, [
                "create", "postgres", "--pgdata", directory.appendingPathComponent("node\(number)").path,
                "--pgport", "\(port)", "--hostname", "127.0.0.1", "--name", "node\(number)", "--auth", "trust", "--no-ssl",
                "--monitor", monitorURI, "--pgctl", "\(bin)/pg_ctl", "--dbname", "usher", "--run",
            ])
        }
        // A keeper stops its PostgreSQL on SIGTERM (fast shutdown); give it the time.
        return try await autoctl(directory, ["run", "--pgdata", monitorData]).withRunning(grace: .seconds(30)) { monitor in
            try await node(1, port: first).withRunning(grace: .seconds(30)) { node1 in
                let formation = AutoFailoverFormation(
                    directory: directory, monitorPort: monitorPort, nodePorts: [first, second], keepers: [monitor, node1])
                try await waitUntil("node 1 alone, taking writes", within: .seconds(90), every: .milliseconds(250)) {
                    try await formation.states()
                } until: { $0.count == 1 && $0[0].current_group_state == "single" }
                return try await node(2, port: second).withRunning(grace: .seconds(30)) { node2 in
                    let whole = AutoFailoverFormation(
                        directory: directory, monitorPort: monitorPort, nodePorts: [first, second],
                        keepers: [monitor, node1, node2])
                    // The standby's base backup waits for a checkpoint on the primary; on an
                    // idle test database the next timed one is minutes away. Ask for one
                    // while it waits, as an operator would.
                    try await waitUntil("node 2 a secondary of node 1", within: .seconds(120), every: .seconds(1)) {
                        _ = try? await psql(directory, port: first, "CHECKPOINT")
                        return try await whole.states()
                    } until: { states in
                        states.map(\.current_group_state).sorted() == ["primary", "secondary"]
                    }
                    return try await body(whole)
                }
            }
        }
    }

    /// `pg_autoctl ARGS`, as the postgres user when we are root, in an environment of
    /// its own (its config and state under `directory`).
    static func autoctl(_ directory: URL, _ arguments: [String]) -> Command {
        let bin = (try? EmbeddedPostgres.binDirectory()) ?? "/usr/lib/postgresql/15/bin"
        let environment = [
            "PATH=\(bin):/usr/bin:/bin", "HOME=\(directory.path)", "LC_ALL=C.UTF-8",
            "XDG_CONFIG_HOME=\(directory.appendingPathComponent("config").path)",
            "XDG_DATA_HOME=\(directory.appendingPathComponent("data").path)",
            "XDG_RUNTIME_DIR=\(directory.appendingPathComponent("run").path)",
            // make test's watchdog finds what a run left behind by this mark.
            "USHER_WATCHDOG_RUN=\(ProcessInfo.processInfo.environment["USHER_WATCHDOG_RUN"] ?? "")",
        ]
        let command = ["/usr/bin/env", "-i"] + environment + ["pg_autoctl"] + arguments
        guard let user = try? EmbeddedPostgres.runAsUser() else { return Command(command[0], Array(command.dropFirst())) }
        return Command("/usr/sbin/runuser", ["-u", user, "--"] + command)
    }

    /// One SQL statement on the node at `port`, through psql.
    @discardableResult
    static func psql(_ directory: URL, port: Int, _ sql: String) async throws -> String {
        let bin = try EmbeddedPostgres.binDirectory()
        let command: Command
        let arguments = ["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "usher", "-c", sql]
        if let user = try EmbeddedPostgres.runAsUser() {
            command = Command("/usr/sbin/runuser", ["-u", user, "--", "\(bin)/psql"] + arguments)
        } else {
            command = Command("\(bin)/psql", arguments)
        }
        return try await command.run(timeout: .seconds(10), capture: .separate).output
    }
}
