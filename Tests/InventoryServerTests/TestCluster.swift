import Foundation
import InventoryStore
import Logging
import PostgresNIO
import Synchronization

/// A real PostgreSQL for the integration tests, started once per test process
/// through the project's own launcher (``EmbeddedPostgres``). Each test gets its
/// own database, copied from a migrated template, so tests run in parallel
/// without seeing each other's rows. If PostgreSQL cannot start, every test that
/// asks for it fails with the launcher's error: nothing is skipped.
actor TestCluster {
    static let shared = TestCluster()

    private var started: Task<EmbeddedPostgres, any Error>?
    private var databaseCounter = 0

    static let logger: Logger = {
        var logger = Logger(label: "usher.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["USHER_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// A fresh, migrated database of its own for one test.
    func freshDatabase() async throws -> PostgresClient.Configuration {
        let cluster = try await cluster()
        databaseCounter += 1
        let name = "t\(databaseCounter)"
        try await Self.admin(cluster) { connection in
            try await connection.query(
                "CREATE DATABASE \(unescaped: name) TEMPLATE usher_template", logger: Self.logger)
        }
        return cluster.clientConfiguration(database: name)
    }

    private func cluster() async throws -> EmbeddedPostgres {
        if let started { return try await started.value }
        let task = Task { try await Self.start() }
        started = task
        return try await task.value
    }

    /// A private cluster under /tmp (the postgres user must be able to enter it when
    /// tests run as root), with durability off: test data need not survive a crash.
    /// `durableCommits` keeps synchronous commit, for tests that crash PostgreSQL and
    /// count what an acknowledged commit left (fsync stays off: the machine survives).
    static func makeCluster(name: String, durableCommits: Bool = false) throws -> EmbeddedPostgres {
        let base = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-test-\(getpid())-\(name)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: base.path)
        return EmbeddedPostgres(
            directory: base.appendingPathComponent("pg"), logger: logger,
            settings: ["fsync": "off", "synchronous_commit": durableCommits ? "on" : "off", "full_page_writes": "off"])
    }

    private static func start() async throws -> EmbeddedPostgres {
        ClusterReaper.reapAbandoned()
        let cluster = try makeCluster(name: "shared")
        try await cluster.start()
        ClusterReaper.register(cluster)
        try await admin(cluster) { connection in
            try await connection.query("CREATE DATABASE usher_template", logger: logger)
        }
        let template = cluster.clientConfiguration(database: "usher_template")
        _ = try await withClient(template) { client in
            try await InventoryStore(client: client, logger: logger, keyring: TestKeys.keyring).migrate()
        }
        return cluster
    }

    static func admin(_ cluster: EmbeddedPostgres, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                unixSocketPath: cluster.socketPath, username: EmbeddedPostgres.superuser, password: nil,
                database: "postgres"),
            id: 1, logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

/// Runs `body` with a running client, shut down afterwards.
func withClient<T: Sendable>(
    _ configuration: PostgresClient.Configuration, _ body: @escaping @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: configuration, backgroundLogger: TestCluster.logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// Stops test clusters when the test process exits, so no postmaster outlives it.
enum ClusterReaper {
    private static let clusters = Mutex<[EmbeddedPostgres]>([])

    static func register(_ cluster: EmbeddedPostgres) {
        let first = clusters.withLock { list in
            list.append(cluster)
            return list.count == 1
        }
        if first { atexit { ClusterReaper.stopAll() } }
    }

    static func unregister(_ cluster: EmbeddedPostgres) {
        clusters.withLock { list in list.removeAll { $0.directory == cluster.directory } }
    }

    /// Synchronous on purpose: it runs inside atexit, where nothing async can.
    /// (Swift Testing has no "after all tests" hook, so atexit it is.)
    static func stopAll() {
        for cluster in clusters.withLock({ $0 }) { stopImmediately(cluster) }
    }

    /// Clusters left by test runs that were killed (no atexit): their pid is gone.
    static func reapAbandoned() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for name in names where name.hasPrefix("usher-test-") {
            guard let pid = Int32(name.split(separator: "-")[2]), pid != getpid(), kill(pid, 0) != 0 else { continue }
            let base = URL(fileURLWithPath: "/tmp").appendingPathComponent(name)
            stopImmediately(EmbeddedPostgres(directory: base.appendingPathComponent("pg"), logger: TestCluster.logger))
        }
    }

    /// No child process here (not pg_ctl): this runs inside atexit, after
    /// swift-subprocess may have stopped its own exit monitor, and blocking on async
    /// work there could wait forever. EmbeddedPostgres.stopImmediately does what
    /// `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster), synchronously.
    private static func stopImmediately(_ cluster: EmbeddedPostgres) {
        cluster.stopImmediately()
        try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
    }
}
