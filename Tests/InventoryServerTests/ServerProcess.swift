import ChildProcess
import Foundation
import InventoryClient
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryProto
import PostgresNIO

@testable import InventoryServer

/// A real `inventory-server serve` process, as an operator runs it: its own pool,
/// its own ServiceGroup, killable. Valid inside ``withServerProcess``.
struct ServerProcess: Sendable {
    let running: RunningCommand
    let grpcPort: Int
    let httpPort: Int

    func send(_ signal: Int32) throws { try running.send(signal) }

    /// Waits for the process to end (after a signal); throws if it has not within `timeout`.
    @discardableResult
    func waitForExit(within timeout: Duration) async throws -> Termination {
        try await running.waitForExit(timeout: timeout)
    }

    var log: String { running.output() }

    /// `postgres://` URL of a test database, through its Unix socket.
    static func databaseURL(_ database: PostgresClient.Configuration) -> String {
        let directory = ((database.unixSocketPath ?? "") as NSString).deletingLastPathComponent
        return "postgres://\(database.username)@localhost/\(database.database ?? "")?host=\(directory)"
    }

    /// A signing key file all servers of a test share, so each accepts the others' codes.
    static func keyFile(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("signing-key")
        if !FileManager.default.fileExists(atPath: url.path) { try KeyFiles.write(TestKeys.signer, to: url) }
        return url
    }

    /// Waits (60 s at most) for the "inventory-server ready" line; returns the ports
    /// it names. Fails with the server's output if it ends or never gets there.
    static func waitForReady(_ server: RunningCommand) async throws -> (grpc: Int, http: Int) {
        enum Seen: CustomStringConvertible {
            case starting, ready(grpc: Int, http: Int), ended(Termination, String)
            var description: String {
                switch self {
                case .starting: "starting"
                case .ready(let grpc, let http): "ready on \(grpc)/\(http)"
                case .ended(let how, let output): "ended (\(how)):\n\(output)"
                }
            }
        }
        let (seen, _) = try await waitUntil("inventory-server ready", within: .seconds(60), every: .milliseconds(50), observe: {
            let output = server.output()
            if let line = output.split(separator: "\n").first(where: { $0.contains("inventory-server ready") }),
                let grpc = line.firstMatch(of: /grpc=[0-9.]+:([0-9]+)/), let http = line.firstMatch(of: /http=[0-9.]+:([0-9]+)/),
                let grpcPort = Int(grpc.1), let httpPort = Int(http.1)
            {
                return Seen.ready(grpc: grpcPort, http: httpPort)
            }
            if let ended = server.termination { return .ended(ended, output) }
            return .starting
        }) { if case .starting = $0 { false } else { true } }
        guard case .ready(let grpc, let http) = seen else { throw TestFailure("inventory-server \(seen)") }
        return (grpc, http)
    }
}

/// Runs `inventory-server serve` on a test database (the signing key in
/// `directory`), waits until it is ready, and runs `body` with it. The server never
/// outlives the call. Ports: 0 picks free ones; pass a killed server's ports to
/// restart it where its clients expect it.
///
/// `tls`: serve as `serve` does by default, TLS with the server's own certificate
/// in `directory/tls` (made on the first start, kept across restarts, so a pin
/// stays good); otherwise `--plaintext` on loopback, for raw test clients.
/// `databaseURL` overrides the URL made from `database` (a multi-host URL).
func withServerProcess<T: Sendable>(
    database: PostgresClient.Configuration, databaseURL: String? = nil, directory: URL, grpcPort: Int = 0, httpPort: Int = 0,
    tls: Bool = false, arguments: [String] = [], _ body: (ServerProcess) async throws -> T
) async throws -> T {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var environment = Command.basicEnvironment
    // make test's watchdog finds what a run left behind by this mark.
    environment["USHER_WATCHDOG_RUN"] = ProcessInfo.processInfo.environment["USHER_WATCHDOG_RUN"]
    let command = Command(
        ProcessLifecycleTests.binary.path,
        [
            "serve", "--database-url", databaseURL ?? ServerProcess.databaseURL(database),
            "--signing-key", try ServerProcess.keyFile(in: directory).path,
            "--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)", "--data-dir", directory.path,
        ] + (tls ? [] : ["--plaintext"]) + arguments, environment: environment)
    return try await command.withRunning { running in
        let (grpc, http) = try await ServerProcess.waitForReady(running)
        return try await body(ServerProcess(running: running, grpcPort: grpc, httpPort: http))
    }
}

/// ``withRawInventoryClient(port:token:_:)`` for each port, all open for `body`.
func withRawInventoryClients<T: Sendable>(
    ports: ArraySlice<Int>, token: String?, open: [Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>] = [],
    _ body: @escaping @Sendable ([Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>]) async throws -> T
) async throws -> T {
    guard let port = ports.first else { return try await body(open) }
    return try await withRawInventoryClient(port: port, token: token) { inventory in
        try await withRawInventoryClients(ports: ports.dropFirst(), token: token, open: open + [inventory], body)
    }
}

/// Runs `body` with a raw gRPC inventory client (generated types) on 127.0.0.1:`port`,
/// presenting `token` with every call (nil: no credential, for enrollment and for
/// checking refusals).
func withRawInventoryClient<T: Sendable>(
    port: Int, token: String?,
    _ body: @escaping @Sendable (Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>) async throws -> T
) async throws -> T {
    try await withGRPCClient(
        transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext),
        interceptors: token.map { [CredentialInterceptor(token: $0)] } ?? []
    ) { client in
        try await body(Inventory_InventoryService.Client(wrapping: client))
    }
}
