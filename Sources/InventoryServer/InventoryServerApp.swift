import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryEvents
import InventoryService
import InventoryStore
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals
import UsherCore

/// The server's composition: one ServiceGroup of the database client, the health
/// monitor, the hold sweeper, the RabbitMQ hold-expiry links (with --amqp-url),
/// the gRPC server and the HTTP sidecar. `serve` and the
/// integration tests both run exactly this.
struct InventoryServerApp {
    struct Configuration: Sendable {
        var listenHost = "127.0.0.1"
        var grpcPort = 50051
        /// Health and metrics: loopback unless the operator opens it (`--http-host`).
        var httpHost = "127.0.0.1"
        var httpPort = 8080
        /// The database; with a standby, its primary when the server started.
        var database: PostgresClient.Configuration
        /// The other hosts of a multi-host URL (``DatabaseNodes`` follows the primary among all).
        var otherDatabaseHosts: [PostgresClient.Configuration] = []
        /// Hosts seat maps and occupancy may be read from (`--read-url`): a standby
        /// while one answers. Empty: those reads go to the primary.
        var readDatabaseHosts: [PostgresClient.Configuration] = []
        /// Verifies scanned codes and signs new ones.
        var keyring = TicketKeyring(signer: nil)
        /// gRPC over TLS when set (PEM files); plaintext otherwise, which is refused
        /// off loopback unless `insecurePlaintext`.
        var tls: TLSFiles?
        /// `--insecure-plaintext`: plaintext on any address, with a warning every minute.
        var insecurePlaintext = false
        var callTimeout: Duration = .seconds(3)
        var sweepInterval: Duration = .seconds(5)
        /// The database probe: how often, and how long one may take. Together they
        /// bound how late health sees an outage (the promise is 3 s).
        var healthInterval: Duration = .milliseconds(500)
        var healthProbeTimeout: Duration = .seconds(1)
        var shutdownGrace: Duration = .seconds(10)
        var gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
        /// Inventory methods to leave unregistered (UNIMPLEMENTED), so tests can run the
        /// real server as an older one (``InventoryServices/hallViewMethods``). Not a flag.
        var omittedMethods: Set<MethodDescriptor> = []
        /// Hold expiry through RabbitMQ dead-lettering as well as the sweep, when set.
        var amqp: DeadLetterHoldExpiry.Configuration?
    }

    /// Where the running server listens (the real ports when 0 was asked for).
    struct Endpoints: Sendable {
        var host: String
        var grpcPort: Int
        var httpPort: Int
    }

    let configuration: Configuration
    let logger: Logger

    /// Migrates, then serves until a shutdown signal or `group.triggerGracefulShutdown()`.
    /// `onReady` runs once both ports are bound.
    func run(onReady: @escaping @Sendable (Endpoints, ServiceGroup) async -> Void = { _, _ in }) async throws {
        // Before anything else: a plaintext gRPC port on the venue network by accident
        // hands every door's credential to whoever listens.
        if configuration.tls == nil && !configuration.insecurePlaintext && !Self.isLoopback(configuration.listenHost) {
            throw StartupError.plaintextOffLoopback(configuration.listenHost)
        }
        let registry = MetricsBootstrap.registry()
        try await migrate()

        let nodes = Self.nodes([configuration.database] + configuration.otherDatabaseHosts, logger: logger)
        let readNodes = configuration.readDatabaseHosts.isEmpty ? nil : Self.nodes(configuration.readDatabaseHosts, logger: logger)
        let store = InventoryStore(
            nodes: nodes, readNodes: readNodes, logger: logger, keyring: configuration.keyring, callTimeout: configuration.callTimeout)
        var probeStore = store
        probeStore.usesProbe = true
        let servingState = ServingState()
        let deadLetter = configuration.amqp.map {
            DeadLetterHoldExpiry(configuration: $0, store: store, logger: logger) { link, line in
                servingState.update { $0.link("amqp \(link.rawValue)", line) }
            }
        }

        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: configuration.listenHost, port: configuration.grpcPort),
            transportSecurity: configuration.tls.map(\.serverSecurity) ?? .plaintext,
            config: .defaults { $0.rpc.maxRequestPayloadSize = 64 * 1024 })
        let grpcServer = GRPCServer(
            transport: transport,
            services: InventoryServices.make(
                store: store, servingState: servingState, holdExpiry: deadLetter ?? SweepOnlyHoldExpiry(),
                omittedMethods: configuration.omittedMethods, logger: logger),
            interceptors: InventoryServices.interceptors(store: store, servingState: servingState, logger: logger))

        let (httpPorts, httpPortSink) = AsyncStream<Int>.makeStream()
        let sidecar = HTTPSidecar.make(
            host: configuration.httpHost, port: configuration.httpPort, servingState: servingState, registry: registry,
            logger: logger, onBound: { port in httpPortSink.yield(port) })

        // Services stop in reverse order: the gRPC server drains first, while the
        // broker links can still announce the holds its last calls place.
        let pools = nodes.clients + (readNodes?.clients ?? [])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = pools.map { .init(service: $0) } + [
            .init(service: DatabaseHealthMonitor(
                store: probeStore, state: servingState, interval: configuration.healthInterval,
                probeTimeout: configuration.healthProbeTimeout, logger: logger)),
            .init(service: HoldSweeper(store: store, interval: configuration.sweepInterval, logger: logger)),
        ]
        if let deadLetter { services.append(.init(service: deadLetter)) }
        if configuration.tls == nil && !Self.isLoopback(configuration.listenHost) {
            services.append(.init(service: PlaintextWarning(address: configuration.listenHost, logger: logger)))
        }
        services += [
            .init(service: GRPCServerService(server: grpcServer, servingState: servingState)),
            .init(service: sidecar),
        ]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: configuration.gracefulShutdownSignals,
            logger: logger)
        // In-flight RPCs get this long to finish; then the rest is cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                guard let address = try await transport.listeningAddress.ipv4 else { return }
                var ports = httpPorts.makeAsyncIterator()
                guard let httpPort = await ports.next() else { return }
                // Ready means serving: wait for the first health probe to find the database.
                for await serving in servingState.updates() where serving { break }
                let endpoints = Endpoints(host: address.host, grpcPort: address.port, httpPort: httpPort)
                logger.info(
                    "inventory-server ready",
                    metadata: ["grpc": "\(endpoints.host):\(endpoints.grpcPort)", "http": "\(endpoints.host):\(endpoints.httpPort)"])
                await onReady(endpoints, group)
            }
            try await tasks.waitForAll()
        }
        httpPortSink.finish()
    }

    /// Applies pending migrations with a short-lived client, failing fast and clearly
    /// when the database cannot be reached.
    func migrate() async throws {
        let logger = self.logger
        try await withTemporaryClient(configuration.database, logger: logger) { client in
            var store = InventoryStore(
                client: client, logger: logger, keyring: TicketKeyring(signer: nil), callTimeout: .seconds(10))
            do {
                try await store.ping()
            } catch {
                throw StartupError.databaseUnreachable("\(error)")
            }
            store.callTimeout = .seconds(120)
            let applied = try await store.migrate()
            if !applied.isEmpty { logger.info("schema migrated", metadata: ["applied": "\(applied)"]) }
        }
    }
}

extension InventoryServerApp {
    /// A pool per host and, for the health probe, a pool of its own (one
    /// connection): it asks "does the database answer?" (and "are you still the
    /// primary?"), and must not queue behind a burst of doors for one of the 20
    /// shared connections, or a busy server would call its database down and shed
    /// every call.
    static func nodes(_ hosts: [PostgresClient.Configuration], logger: Logger) -> DatabaseNodes {
        DatabaseNodes(
            hosts.map { host in
                var probe = host
                probe.options.maximumConnections = 1
                return DatabaseNodes.Node(
                    label: DatabaseSettings.label(host), client: PostgresClient(configuration: host, backgroundLogger: logger),
                    probe: PostgresClient(configuration: probe, backgroundLogger: logger))
            })
    }

    /// 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

enum StartupError: Error, CustomStringConvertible {
    case databaseUnreachable(String)
    case plaintextOffLoopback(String)
    var description: String {
        switch self {
        case .databaseUnreachable(let why): "cannot reach the database: \(why)"
        case .plaintextOffLoopback(let host):
            "refusing to serve gRPC in plaintext on \(host): anyone on that network could read door credentials and tickets. Serve TLS (the default: drop --plaintext), or pass --insecure-plaintext if a trusted tunnel already encrypts the link"
        }
    }
}
