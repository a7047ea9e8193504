import ChildProcess
import Foundation

/// A private RabbitMQ node for tests: Debian's rabbitmq-server, started by us on
/// loopback with its own node name, ports (AMQP, distribution, epmd), HOME, data
/// and log directories, so it never meets another broker. As root it runs as the
/// `rabbitmq` user. A broker that cannot start fails the test with its log.
struct TestBroker: Sendable {
    let directory: String
    let nodeName: String
    let amqpPort: Int
    let distributionPort: Int
    let epmdPort: Int

    var url: String { "amqp://guest:guest@127.0.0.1:\(amqpPort)/" }

    static let binaries = "/usr/lib/rabbitmq/bin"

    /// Makes the directories and starts the node (on `amqpPort` when given).
    static func start(amqpPort: Int? = nil) async throws -> TestBroker {
        guard FileManager.default.isExecutableFile(atPath: "\(binaries)/rabbitmq-server") else {
            throw TestFailure("rabbitmq-server is not installed (scripts/bootstrap.sh installs it)")
        }
        let id = "\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        let directory = "/tmp/usher-broker-\(id)"
        let broker = TestBroker(
            directory: directory, nodeName: "usher-\(id)@localhost", amqpPort: try amqpPort ?? freePort(),
            distributionPort: try freePort(), epmdPort: try freePort())
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        try "[].\n".write(toFile: directory + "/enabled_plugins", atomically: true, encoding: .utf8)
        if getuid() == 0 {
            try await Command("/bin/chown", ["-R", "rabbitmq:rabbitmq", directory]).run()
        }
        do {
            try await broker.start()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return broker
    }

    /// The node's environment: everything private, everything on 127.0.0.1.
    private var environment: [String: String] {
        [
            "PATH": "/usr/lib/rabbitmq/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": directory + "/home",
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": nodeName,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": "\(amqpPort)",
            "RABBITMQ_DIST_PORT": "\(distributionPort)",
            "ERL_EPMD_PORT": "\(epmdPort)",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": directory + "/mnesia",
            "RABBITMQ_LOG_BASE": directory + "/log",
            "RABBITMQ_CONFIG_FILE": directory + "/rabbitmq",
            "RABBITMQ_ADVANCED_CONFIG_FILE": directory + "/advanced.config",
            "RABBITMQ_ENABLED_PLUGINS_FILE": directory + "/enabled_plugins",
            "RABBITMQ_PID_FILE": directory + "/rabbitmq.pid",
        ]
    }

    /// Runs one of the broker's commands as its user with the node's environment.
    @discardableResult
    private func run(_ command: String, _ arguments: [String], allowFailure: Bool = false, cleanup: Bool = false)
        async throws -> (Int32, String)
    {
        let settings = environment.map { "\($0.key)=\($0.value)" }.sorted()
        // `env -i` after runuser, which would otherwise set HOME and SHELL its own way.
        let argv = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "rabbitmq", "--"] : [])
            + ["/usr/bin/env", "-i"] + settings + [command.hasPrefix("/") ? command : "\(Self.binaries)/\(command)"] + arguments
        // Every broker command is bounded: a hung rabbitmqctl must fail the test, not hang it.
        let command = Command(argv[0], Array(argv.dropFirst()), environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
        let result = cleanup
            ? try await command.runEvenIfCancelled(timeout: .seconds(120), allowFailure: allowFailure)
            : try await command.run(timeout: .seconds(120), allowFailure: allowFailure)
        return (result.status, result.output)
    }

    /// Starts the node (again, after ``stop()``: the queues are durable and kept).
    func start() async throws {
        try await run("rabbitmq-server", ["-detached"])
        // `wait` follows the pid file the node writes, so it also notices a node that
        // died while booting. It fails on a half-written pid file, so let the node
        // finish writing it first.
        let pidFile = directory + "/rabbitmq.pid"
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") || Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let (status, output) = try await run(
            "rabbitmqctl", ["-n", nodeName, "wait", directory + "/rabbitmq.pid", "--timeout", "90"], allowFailure: true)
        guard status == 0 else {
            let log = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/log"))?
                .compactMap { try? String(contentsOfFile: directory + "/log/" + $0, encoding: .utf8) }
                .joined(separator: "\n").suffix(3000) ?? ""
            await stop()
            throw TestFailure("RabbitMQ did not start (node \(nodeName)): \(output)\n\(log)")
        }
    }

    /// Stops the node, waits for its process to end, then stops its epmd (which
    /// outlives the broker, and refuses to die while the node is registered).
    func stop() async {
        // Not `rabbitmqctl stop <pid file>`: the node deletes that file as it halts,
        // and rabbitmqctl then waits for the file forever.
        let pid = (try? String(contentsOfFile: directory + "/rabbitmq.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Even in a cancelled (timed-out) test: the node is a daemon, not our child.
        _ = try? await run("rabbitmqctl", ["-n", nodeName, "stop"], allowFailure: true, cleanup: true)
        if let pid {
            let deadline = ContinuousClock.now + .seconds(30)
            while kill(pid, 0) == 0 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        _ = try? await run("/usr/bin/epmd", ["-port", "\(epmdPort)", "-kill"], allowFailure: true, cleanup: true)
    }

    /// Stops the node and deletes its files.
    func destroy() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a fresh broker, stopped and removed afterwards.
func withTestBroker(_ body: (TestBroker) async throws -> Void) async throws {
    let broker = try await TestBroker.start()
    do {
        try await body(broker)
    } catch {
        await broker.destroy()
        throw error
    }
    await broker.destroy()
}
