import ChildProcess
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryClient
import InventoryProto
import InventoryStore
import PostgresNIO
import Testing

@testable import InventoryServer

/// Runs the real `inventory-server` binary, as an operator would.
@Suite("inventory-server process", .timeLimit(.minutes(5)))
struct ProcessLifecycleTests {
    /// The executable SwiftPM built next to this test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("inventory-server")
    }

    @Test func sigtermDrainsInFlightCallsAndStopsTheEmbeddedDatabase() async throws {
        let base = try TestCluster.makeCluster(name: "sigterm").directory.deletingLastPathComponent()
        let dataDir = base.appendingPathComponent("data")
        let venueFile = base.appendingPathComponent("venue.json")
        try Data(TestVenue.json.utf8).write(to: venueFile)
        let embedded = EmbeddedPostgres(directory: dataDir.appendingPathComponent("postgres"), logger: TestCluster.logger)
        ClusterReaper.register(embedded)  // if this test dies half-way, the cluster still stops at exit

        let imported = try await runServerBinary(["venue", "import", venueFile.path, "--data-dir", dataDir.path])
        #expect(imported.status == 0, "venue import: \(imported.output)")

        let serve = Command(
            Self.binary.path, ["serve", "--data-dir", dataDir.path, "--grpc-port", "0", "--http-port", "0"],
            environment: ProcessInfo.processInfo.environment)
        // withRunning stops the server if anything below fails or the test times out.
        let (exited, log) = try await serve.withRunning(grace: .seconds(15)) { server in
            let (grpcPort, _) = try await ServerProcess.waitForReady(server)

            // TLS by default: the server made its own certificate in the data dir; pin it,
            // and enroll an admin device through EnrollDevice over it.
            let tls = TestCertificates(
                directory: dataDir,
                selfSigned: try ServerCertificate.fingerprint(ofPEMFile: dataDir.appendingPathComponent("tls/server.crt").path))
            let transport = { @Sendable () throws -> HTTP2ClientTransport.Posix in
                try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: tls.clientSecurity)
            }
            let devices = TestDevices(database: embedded.clientConfiguration()) { secret in
                try await withGRPCClient(transport: try transport()) { client in
                    try await Inventory_InventoryService.Client(wrapping: client)
                        .enrollDevice(.with { $0.enrollmentSecret = secret }).token
                }
            }
            let token = try await devices.token("door-1")
            try await withGRPCClient(transport: try transport(), interceptors: [CredentialInterceptor(token: token)]) { client in
                let inventory = Inventory_InventoryService.Client(wrapping: client)
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                // An open health watch must see NOT_SERVING and end when the drain starts,
                // not hold the shutdown open.
                async let watched: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = health.watch(
                    request: .init(message: .init())
                ) { response in
                    var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                    for try await message in response.messages { statuses.append(message.status) }
                    return statuses
                }
                let seat = "gala.stalls.A.1"
                _ = try await inventory.reserveSeat(.with { $0.seatID = seat; $0.userID = "alice" })
                let code = try await inventory.confirmSeat(.with { $0.seatID = seat; $0.userID = "alice"; $0.orderID = "o" }).ticketCode

                // Hold the seat's row lock so the admission is still in flight when SIGTERM arrives.
                let (locked, lockedSink) = AsyncStream<Void>.makeStream()
                async let lockHolder: Void = withClient(embedded.clientConfiguration()) { database in
                    try await database.withTransaction(logger: TestCluster.logger) { connection in
                        try await connection.query(
                            "SELECT 1 FROM seats WHERE seat_id = \(seat) FOR UPDATE", logger: TestCluster.logger)
                        lockedSink.yield()
                        try await Task.sleep(for: .milliseconds(500))
                        try server.send(SIGTERM)
                        try await Task.sleep(for: .milliseconds(700))
                        #expect(server.isRunning, "the server must wait for the in-flight call")
                    }  // commit: the lock is released and the admission goes through
                }
                for await _ in locked { break }
                let admission = try await inventory.markCheckedIn(.with {
                    $0.ticketCode = code
                    $0.hallID = "main"
                    $0.staffID = "s"
                    $0.terminalID = "door-1"
                    $0.scanID = "drain-1"
                })
                try await lockHolder
                #expect(admission.result == .success, "the in-flight call completes during the drain")
                let statuses = try await watched
                #expect(statuses.first == .serving && statuses.last == .notServing, "\(statuses)")
            }
            // Well inside the 10 s drain bound: nothing was left to wait for.
            return (try await server.waitForExit(timeout: .seconds(8)), server.output())
        }
        #expect(exited == .exited(0), "log:\n\(log)")
        #expect(!FileManager.default.fileExists(atPath: embedded.dataDirectory.appendingPathComponent("postmaster.pid").path),
                "the embedded database must be stopped")
        ClusterReaper.unregister(embedded)
        try? FileManager.default.removeItem(at: base)
    }
}
