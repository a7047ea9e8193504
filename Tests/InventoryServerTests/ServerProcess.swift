import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryProto
import PostgresNIO

@testable import InventoryServer

/// A real `inventory-server serve` process on a test database, as an operator runs
/// it: its own pool, its own ServiceGroup, killable. Used where "another process"
/// is the point (two servers racing, kill -9).
final class ServerProcess: @unchecked Sendable {
    // @unchecked: Foundation.Process is not Sendable; it is only read (pid, isRunning).
    private let process: Process
    let log: URL
    let grpcPort: Int
    let httpPort: Int

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    private init(process: Process, log: URL, grpcPort: Int, httpPort: Int) {
        self.process = process
        self.log = log
        self.grpcPort = grpcPort
        self.httpPort = httpPort
    }

    /// `postgres://` URL of a test database, through its Unix socket.
    static func databaseURL(_ database: PostgresClient.Configuration) -> String {
        let socket = database.unixSocketPath ?? ""
        let directory = (socket as NSString).deletingLastPathComponent
        return "postgres://\(database.username)@localhost/\(database.database ?? "")?host=\(directory)"
    }

    /// A signing key file every server of a test shares, so each accepts the others' codes.
    static func keyFile(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("signing-key")
        if !FileManager.default.fileExists(atPath: url.path) { try KeyFiles.write(TestKeys.signer, to: url) }
        return url
    }

    /// Starts a server and waits (with a deadline) until it logs that it is ready.
    /// Ports: 0 picks free ones, or pass fixed ones to restart a server where
    /// clients expect it.
    static func start(
        database: PostgresClient.Configuration, directory: URL, name: String,
        grpcPort: Int = 0, httpPort: Int = 0, extraArguments: [String] = []
    ) async throws -> ServerProcess {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("\(name).log")
        let process = try Process.start(
            [
                ProcessLifecycleTests.binary.path, "serve", "--database-url", databaseURL(database),
                "--signing-key", try keyFile(in: directory).path,
                "--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)", "--log-level", "info",
            ] + extraArguments, log: log)
        let deadline = ContinuousClock.now + .seconds(60)
        var text = ""
        while ContinuousClock.now < deadline {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("inventory-server ready") }),
                let grpc = line.firstMatch(of: /grpc=[0-9.]+:([0-9]+)/), let http = line.firstMatch(of: /http=[0-9.]+:([0-9]+)/),
                let grpcPort = Int(grpc.1), let httpPort = Int(http.1)
            {
                return ServerProcess(process: process, log: log, grpcPort: grpcPort, httpPort: httpPort)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        throw TestFailure("\(name) not ready within 60 s (running: \(process.isRunning)); its log:\n\(text)")
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end; nil if it is still running at the deadline.
    func waitForExit(within timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops it for good: SIGTERM, then SIGKILL if it has not gone within 10 s.
    func stop() async {
        signal(SIGTERM)
        if (try? await waitForExit(within: .seconds(10))) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(within: .seconds(5))
        }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// Runs `body` with a raw gRPC inventory client (generated types) on 127.0.0.1:`port`.
func withRawInventoryClient<T: Sendable>(
    port: Int, _ body: @escaping @Sendable (Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>) async throws -> T
) async throws -> T {
    try await withGRPCClient(
        transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    ) { client in
        try await body(Inventory_InventoryService.Client(wrapping: client))
    }
}
