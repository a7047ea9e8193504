import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryClient
import InventoryEvents
import InventoryProto
import InventoryService
import InventoryStore
import Logging
import PostgresNIO
import ServiceLifecycle
import UsherCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import InventoryServer

/// A running inventory-server (the real ServiceGroup) on ephemeral ports, with a
/// gRPC client and direct SQL access for checking what was written.
struct TestServer: Sendable {
    let endpoints: InventoryServerApp.Endpoints
    let inventory: Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>
    let health: Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
    let database: PostgresClient.Configuration
    /// Enrolled devices; `inventory` presents the admin "test-admin" unless a call
    /// names another (``TestDevices/metadata(_:role:hall:)``).
    let devices: TestDevices

    /// The Unix socket directory of the test database (for --database-url ...?host=).
    var socketDirectory: String {
        (database.unixSocketPath ?? "").split(separator: "/").dropLast().joined(separator: "/").withLeadingSlash
    }

    /// GET on the HTTP sidecar: (status, body).
    func http(_ path: String) async throws -> (Int, String) {
        try await httpGet(port: endpoints.httpPort, path)
    }

    /// Runs one SQL query against the test's database and returns its single Int64.
    func count(_ query: PostgresQuery) async throws -> Int64 {
        try await withClient(database) { client in
            let rows = try await client.query(query, logger: TestCluster.logger).collect()
            return try rows.first?.decode(Int64.self) ?? -1
        }
    }
}

/// Starts a server on `database` (a fresh test database unless given), runs `body`,
/// then shuts the server down gracefully and waits for it. `legacyAPI` serves without
/// ListHallSeats and GetHallOccupancy (UNIMPLEMENTED), as a server from before them.
func withTestServer(
    database: PostgresClient.Configuration? = nil,
    venue: String = TestVenue.json,
    keyring: TicketKeyring = TestKeys.keyring,
    grpcPort: Int = 0,
    tls: TestCertificates? = nil,
    callTimeout: Duration = .seconds(3),
    sweepInterval: Duration = .milliseconds(200),
    amqp: DeadLetterHoldExpiry.Configuration? = nil,
    legacyAPI: Bool = false,
    _ body: @escaping @Sendable (TestServer) async throws -> Void
) async throws {
    let databaseConfiguration: PostgresClient.Configuration
    if let database {
        databaseConfiguration = database
    } else {
        databaseConfiguration = try await TestCluster.shared.freshDatabase()
    }
    if !venue.isEmpty {
        let plan = try VenueFile.decode(Data(venue.utf8), now: Date())
        _ = try await withClient(databaseConfiguration) { client in
            let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
            try await store.migrate()
            return try await store.importVenue(plan)
        }
    }
    let app = InventoryServerApp(
        configuration: .init(
            listenHost: "127.0.0.1", grpcPort: grpcPort, httpPort: 0, database: databaseConfiguration,
            keyring: keyring, tls: tls?.serverFiles, callTimeout: callTimeout, sweepInterval: sweepInterval,
            healthInterval: .milliseconds(200),
            shutdownGrace: .seconds(5), gracefulShutdownSignals: [],
            // An older server: the real one without the seat-map and occupancy RPCs.
            omittedMethods: legacyAPI ? InventoryServices.hallViewMethods : [], amqp: amqp),
        logger: TestCluster.logger)
    let (ready, readySink) = AsyncStream<(InventoryServerApp.Endpoints, ServiceGroup)>.makeStream()
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { readySink.finish() }
            try await app.run { endpoints, serviceGroup in readySink.yield((endpoints, serviceGroup)) }
        }
        var iterator = ready.makeAsyncIterator()
        guard let (endpoints, serviceGroup) = await iterator.next() else {
            try await group.waitForAll()  // surfaces the start-up error
            throw TestFailure("server stopped before it was ready")
        }
        do {
            let transport = { @Sendable () throws -> HTTP2ClientTransport.Posix in
                try .http2NIOPosix(
                    target: .dns(host: "localhost", port: endpoints.grpcPort), transportSecurity: tls?.clientSecurity ?? .plaintext)
            }
            // Enrollment takes no credential: its own client, over the same transport.
            let devices = TestDevices(database: databaseConfiguration) { secret in
                try await withGRPCClient(transport: try transport()) { client in
                    try await Inventory_InventoryService.Client(wrapping: client)
                        .enrollDevice(.with { $0.enrollmentSecret = secret }).token
                }
            }
            // Named per server: several test servers may share one database.
            let admin = try await devices.token("test-admin-\(UUID().uuidString.prefix(8).lowercased())")
            try await withGRPCClient(transport: try transport(), interceptors: [CredentialInterceptor(token: admin)]) { client in
                let inventory = Inventory_InventoryService.Client(wrapping: client)
                let server = TestServer(
                    endpoints: endpoints, inventory: inventory, health: Grpc_Health_V1_Health.Client(wrapping: client),
                    database: databaseConfiguration, devices: devices)
                try await body(server)
            }
        } catch {
            await serviceGroup.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
        await serviceGroup.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}

/// GET http://127.0.0.1:`port``path`: (status, body), within 10 s.
func httpGet(port: Int, _ path: String) async throws -> (Int, String) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.timeoutInterval = 10
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Calls `body` and returns the gRPC status code it failed with (nil on success).
func rpcCode(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

/// A small venue: two halls, an event on now in each, and one that has ended.
enum TestVenue {
    static let json = """
        {
          "halls": [{"id": "main", "name": "Main Hall"}, {"id": "studio", "name": "Studio"}],
          "events": [
            {"id": "gala", "hall": "main", "name": "Gala", "starts": "now-1h", "ends": "now+3h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A", "B"], "seats_per_row": 10}]},
            {"id": "jazz", "hall": "studio", "name": "Jazz Night", "starts": "now-1h", "ends": "now+2h",
             "sections": [{"id": "floor", "name": "Floor", "rows": ["A"], "seats_per_row": 5}]},
            {"id": "matinee", "hall": "main", "name": "Matinee", "starts": "now-6h", "ends": "now-3h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 5}]}
          ]
        }
        """
}

extension TestVenue {
    /// One hall and three shows: a matinee that has ended, an evening show whose
    /// doors opened half an hour ago (it starts in 30 minutes), and tomorrow's.
    static let theatre = """
        {
          "halls": [{"id": "theatre", "name": "Theatre"}],
          "events": [
            {"id": "matinee", "hall": "theatre", "name": "Matinee", "starts": "now-5h", "ends": "now-2h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 4}]},
            {"id": "evening", "hall": "theatre", "name": "Evening", "doors": "now-30m", "starts": "now+30m", "ends": "now+3h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 4}]},
            {"id": "tomorrow", "hall": "theatre", "name": "Tomorrow", "starts": "now+1d", "ends": "now+27h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 4}]}
          ]
        }
        """

    /// One hall, one event on now, 25 rows (A–Y) of 40: 1,000 seats for tests that
    /// need many fresh tickets.
    static let arenaRows = (0..<25).map { String(UnicodeScalar(UInt8(65 + $0))) }
    static let arena = """
        {
          "halls": [{"id": "main", "name": "Main Hall"}],
          "events": [
            {"id": "gala", "hall": "main", "name": "Gala", "starts": "now-1h", "ends": "now+3h",
             "sections": [{"id": "stalls", "name": "Stalls", "rows": [\(arenaRows.map { "\"\($0)\"" }.joined(separator: ", "))],
                           "seats_per_row": 40}]}
          ]
        }
        """

    /// The seat ids of rows `rows` of ``arena``, in venue order.
    static func arenaSeats(rows: Range<Int>) -> [String] {
        arenaRows[rows].flatMap { row in (1...40).map { "gala.stalls.\(row).\($0)" } }
    }
}

extension String {
    fileprivate var withLeadingSlash: String { hasPrefix("/") ? self : "/" + self }
}
