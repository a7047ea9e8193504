import ChildProcess
import Foundation
import Logging
import PostgresNIO

/// A private PostgreSQL cluster the server (and the tests) start and stop themselves.
///
/// Layout under `directory`: `pgdata/` (the cluster), `socket/` (its Unix socket),
/// `postgres.log`. It never listens on TCP (`listen_addresses = ''`); clients use
/// the socket, whose directory only the cluster's owner (and root) can enter.
///
/// `initdb` refuses to run as root, so when we are root every PostgreSQL program
/// runs as the `postgres` system user through `runuser`, and the cluster's
/// directories belong to that user.
public struct EmbeddedPostgres: Sendable {
    public static let superuser = "usher"
    public static let database = "usher"

    public let directory: URL
    public let logger: Logger
    /// Extra `-c name=value` server settings (tests turn fsync off, for speed).
    public var settings: [String: String]
    /// Held while this process owns the running cluster (see ``OwnerLock``).
    private let ownership = OwnerLock()

    public init(directory: URL, logger: Logger, settings: [String: String] = [:]) {
        self.directory = directory.standardizedFileURL
        self.logger = logger
        self.settings = settings
    }

    public var dataDirectory: URL { directory.appendingPathComponent("pgdata") }
    public var socketDirectory: URL { directory.appendingPathComponent("socket") }
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }
    public var socketPath: String { socketDirectory.appendingPathComponent(".s.PGSQL.5432").path }

    /// How a client reaches this cluster.
    public func clientConfiguration(database: String = EmbeddedPostgres.database) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            unixSocketPath: socketPath, username: Self.superuser, password: nil, database: database)
        DatabaseSettings.applyDefaults(to: &configuration)
        return configuration
    }

    public enum LaunchError: Error, CustomStringConvertible {
        case binariesNotFound
        case noPostgresUser
        case unreachable(String)
        case socketPathTooLong(String)
        case failed(String)

        public var description: String {
            switch self {
            case .binariesNotFound:
                "PostgreSQL server programs not found (looked in $USHER_PG_BIN and /usr/lib/postgresql/*/bin); run scripts/bootstrap.sh"
            case .noPostgresUser:
                "running as root needs the 'postgres' system user (package postgresql-15) to own the embedded database"
            case .unreachable(let path):
                "the postgres user cannot reach \(path); choose a --data-dir it can enter, e.g. under /var/lib or /tmp"
            case .socketPathTooLong(let path):
                "socket path \(path) is longer than Unix sockets allow (107 bytes); choose a shorter --data-dir"
            case .failed(let why):
                "embedded PostgreSQL failed: \(why)"
            }
        }
    }

    /// Starts the cluster (creating it on first use) and its `usher` database.
    /// Returns true when this process owns the running cluster and must stop it:
    /// it started it, or adopted one whose owner died. Returns false when a live
    /// process owns it (another `inventory-server` on the same --data-dir).
    @discardableResult
    public func start() async throws -> Bool {
        let bin = try Self.binDirectory()
        let runAs = try Self.runAsUser()
        guard socketPath.utf8.count <= 107 else { throw LaunchError.socketPathTooLong(socketPath) }
        try prepareDirectories(owner: runAs)
        let owner = ownership.tryAcquire(path: directory.appendingPathComponent("owner.lock").path)

        let initialized = FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
        if !owner && !initialized {
            throw LaunchError.failed("another process is creating the cluster in \(dataDirectory.path)")
        }
        if !initialized {
            logger.info("creating embedded PostgreSQL cluster", metadata: ["dir": "\(dataDirectory.path)"])
            try await run(runAs, [
                "\(bin)/initdb", "-D", dataDirectory.path, "-U", Self.superuser, "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-instructions",
            ], timeout: .seconds(120))
        }
        if try await isRunning(bin: bin, runAs: runAs) {
            if owner {
                logger.warning(
                    "adopting an embedded PostgreSQL left running by a process that is gone",
                    metadata: ["dir": "\(dataDirectory.path)"])
            } else {
                logger.info("embedded PostgreSQL is owned by another process; using it", metadata: ["dir": "\(dataDirectory.path)"])
            }
            try await createDatabase()
            return owner
        }
        guard owner else {
            throw LaunchError.failed("another process owns \(dataDirectory.path) but its PostgreSQL is not running")
        }
        var options = [
            "-c listen_addresses=''",
            "-c unix_socket_directories='\(socketDirectory.path)'",
            "-c unix_socket_permissions=0700",
            "-c port=5432",
            "-c max_connections=200",
        ]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { options.append("-c \(name)=\(value)") }
        do {
            try await run(runAs, [
                "\(bin)/pg_ctl", "start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60",
                "-o", options.joined(separator: " "),
            ], timeout: .seconds(90))
        } catch {
            let tail = (try? String(contentsOf: logFile, encoding: .utf8))?.split(separator: "\n").suffix(5)
                .joined(separator: "\n") ?? ""
            throw LaunchError.failed("pg_ctl start: \(error)\n\(tail)")
        }
        logger.info("embedded PostgreSQL started", metadata: ["socket": "\(socketDirectory.path)"])
        try await createDatabase()
        return true
    }

    /// Stops the cluster (fast mode: open transactions roll back, data is safe).
    public func stop() async throws {
        defer { ownership.release() }
        let bin = try Self.binDirectory()
        let runAs = try Self.runAsUser()
        // Even from a cancelled task: a postmaster we started must not outlive us.
        guard try await isRunning(bin: bin, runAs: runAs, evenIfCancelled: true) else { return }
        try await run(
            runAs, ["\(bin)/pg_ctl", "stop", "-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60"], timeout: .seconds(90),
            evenIfCancelled: true)
        logger.info("embedded PostgreSQL stopped")
    }

    /// Stops the cluster at once, as `pg_ctl stop -m immediate` does (SIGQUIT to the
    /// postmaster named in postmaster.pid: no checkpoint, crash recovery on the next
    /// start), but synchronously and without starting a process. That makes it safe
    /// in an `atexit` handler, where a child process cannot be trusted:
    /// swift-subprocess learns of exits on a monitor thread that its own `atexit`
    /// handler may already have stopped, and async work has no one left to run it.
    /// Waits up to `timeout` for the postmaster to go, then kills it. A pid that no
    /// longer belongs to a `postgres` process (reused after a crash) is left alone.
    public func stopImmediately(timeout: Duration = .seconds(10)) {
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid").path
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let line = text.split(separator: "\n").first, let pid = Int32(line), pid > 0
        else { return }
        func isPostgres() -> Bool {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            return comm == "postgres\n" && state != "Z"  // a zombie has already stopped
        }
        guard isPostgres(), kill(pid, SIGQUIT) == 0 else { return }
        let deadline = ContinuousClock.now + timeout
        while isPostgres() && ContinuousClock.now < deadline { usleep(20_000) }
        if isPostgres() { kill(pid, SIGKILL) }
    }

    private func isRunning(bin: String, runAs: String?, evenIfCancelled: Bool = false) async throws -> Bool {
        let (status, _) = try await run(
            runAs, ["\(bin)/pg_ctl", "status", "-D", dataDirectory.path], allowFailure: true, evenIfCancelled: evenIfCancelled)
        return status == 0
    }

    private func createDatabase() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(unixSocketPath: socketPath, username: Self.superuser, password: nil, database: "postgres"),
            id: 1, logger: logger)
        do {
            let existing = try await connection.query(
                "SELECT 1 FROM pg_database WHERE datname = \(Self.database)", logger: logger
            ).collect()
            if existing.isEmpty {
                // A constant identifier: CREATE DATABASE cannot take a bound parameter.
                do {
                    try await connection.query("CREATE DATABASE \(unescaped: Self.database)", logger: logger)
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                    // Another process created it between our check and our CREATE: fine.
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    private func prepareDirectories(owner: String?) throws {
        let fm = FileManager.default
        for dir in [directory, socketDirectory] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: socketDirectory.path)
        guard let owner, let user = getpwnam(owner) else { return }
        // The cluster's files belong to the postgres user; root keeps access anyway.
        for path in [directory.path, socketDirectory.path] {
            guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw LaunchError.failed("cannot hand \(path) to \(owner): errno \(errno)")
            }
        }
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        if fm.fileExists(atPath: logFile.path) {
            _ = chown(logFile.path, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        // The postgres user must be able to walk down to the directory.
        var ancestor = directory.deletingLastPathComponent()
        while ancestor.path != "/" {
            if access(ancestor.path, F_OK) == 0 {
                var info = stat()
                if stat(ancestor.path, &info) == 0 && info.st_uid != user.pointee.pw_uid
                    && (info.st_mode & S_IXOTH) == 0
                {
                    throw LaunchError.unreachable(ancestor.path)
                }
            }
            ancestor = ancestor.deletingLastPathComponent()
        }
    }

    /// Runs a PostgreSQL program (as the postgres user when we are root). Its output
    /// is captured to a file, not a pipe: `pg_ctl start` leaves the postmaster behind.
    @discardableResult
    private func run(
        _ runAs: String?, _ arguments: [String], timeout: Duration = .seconds(60), allowFailure: Bool = false,
        evenIfCancelled: Bool = false
    ) async throws -> (Int32, String) {
        let command = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--"] + arguments } ?? arguments
        // A clean environment: the caller's PG* variables must not steer pg_ctl elsewhere.
        var environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { environment["HOME"] = home }
        let program = Command(command[0], Array(command.dropFirst()), environment: environment)
        let result = evenIfCancelled
            ? try await program.runEvenIfCancelled(timeout: timeout, allowFailure: allowFailure)
            : try await program.run(timeout: timeout, allowFailure: allowFailure)
        return (result.status, result.output)
    }

    /// The newest PostgreSQL server binaries: $USHER_PG_BIN, else /usr/lib/postgresql/<major>/bin.
    public static func binDirectory() throws -> String {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["USHER_PG_BIN"], !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: "\(explicit)/initdb") else { throw LaunchError.binariesNotFound }
            return explicit
        }
        let root = "/usr/lib/postgresql"
        let majors = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for major in majors where fm.isExecutableFile(atPath: "\(root)/\(major)/bin/initdb") {
            return "\(root)/\(major)/bin"
        }
        throw LaunchError.binariesNotFound
    }

    /// nil when we can run PostgreSQL as ourselves; "postgres" when we are root.
    static func runAsUser() throws -> String? {
        guard geteuid() == 0 else { return nil }
        guard getpwnam("postgres") != nil else { throw LaunchError.noPostgresUser }
        return "postgres"
    }

    /// Where the server keeps its data by default: /var/lib/usher for root (the
    /// postgres user cannot enter /root), else $XDG_DATA_HOME/usher or ~/.local/share/usher.
    public static func defaultDataDirectory() -> URL {
        if geteuid() == 0 { return URL(fileURLWithPath: "/var/lib/usher") }
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("usher") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/usher")
    }
}
