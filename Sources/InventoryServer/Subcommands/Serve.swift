import ArgumentParser
import InventoryEvents
import InventoryStore
import Logging
import PostgresNIO

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve gRPC and the HTTP health/metrics sidecar until SIGTERM or SIGINT.")

    @Option(help: ArgumentHelp("gRPC port (env USHER_GRPC_PORT).", valueName: "port"))
    var grpcPort: Int = Environment.int("USHER_GRPC_PORT") ?? 50051

    @Option(help: ArgumentHelp("HTTP port for /healthz, /readyz and /metrics (env USHER_HTTP_PORT).", valueName: "port"))
    var httpPort: Int = Environment.int("USHER_HTTP_PORT") ?? 8080

    @Option(help: ArgumentHelp(
        "Address to listen on for gRPC; 0.0.0.0 lets door terminals on the LAN connect (env USHER_LISTEN_HOST).",
        valueName: "ip"))
    var listenHost: String = Environment.string("USHER_LISTEN_HOST") ?? "127.0.0.1"

    @Option(help: ArgumentHelp(
        "Address for /healthz, /readyz and /metrics; loopback unless opened, e.g. 0.0.0.0 for a monitoring host (env USHER_HTTP_HOST).",
        valueName: "ip"))
    var httpHost: String = Environment.string("USHER_HTTP_HOST") ?? "127.0.0.1"

    @Flag(help: "Serve gRPC without TLS. Loopback addresses only (local tools, tests).")
    var plaintext = false

    @Flag(help: "Serve gRPC without TLS on any address, e.g. behind a tunnel that already encrypts. Logs a warning every minute.")
    var insecurePlaintext = false

    @Option(help: ArgumentHelp(
        "RabbitMQ broker for hold expiry by dead-lettering, amqp://user:password@host:5672/vhost (env AMQP_URL). Without it the database sweep alone expires holds.",
        valueName: "url"))
    var amqpURL: String? = Environment.string("AMQP_URL")

    @Option(help: ArgumentHelp("Prefix of the RabbitMQ queue and exchange names (env USHER_AMQP_PREFIX).", valueName: "name"))
    var amqpPrefix: String = Environment.string("USHER_AMQP_PREFIX") ?? "usher"

    @Option(help: ArgumentHelp(
        "Read seat maps and occupancy from this PostgreSQL when it answers, e.g. the standby of the --database-url formation; several hosts as in --database-url, a standby preferred. Admissions never use it (env READ_DATABASE_URL).",
        valueName: "url"))
    var readURL: String? = Environment.string("READ_DATABASE_URL")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var keys: TicketKeyOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for (name, port) in [("--grpc-port", grpcPort), ("--http-port", httpPort)] where !(0...65535).contains(port) {
            throw ValidationError("\(name) must be 0–65535")
        }
        _ = try amqp()
        _ = try readHosts()
        if plaintext && insecurePlaintext { throw ValidationError("--plaintext and --insecure-plaintext: choose one") }
        if (plaintext || insecurePlaintext) && (tls.tlsCert != nil || tls.tlsKey != nil) {
            throw ValidationError("--plaintext and --tls-cert/--tls-key contradict each other")
        }
        if plaintext && !InventoryServerApp.isLoopback(listenHost) {
            throw ValidationError(StartupError.plaintextOffLoopback(listenHost).description)
        }
    }

    func amqp() throws -> DeadLetterHoldExpiry.Configuration? {
        guard let amqpURL, !amqpURL.isEmpty else { return nil }
        do {
            return DeadLetterHoldExpiry.Configuration(
                endpoint: try AMQPEndpoint(url: amqpURL), topology: try HoldExpiryTopology(prefix: amqpPrefix))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func readHosts() throws -> [PostgresClient.Configuration] {
        guard let readURL else { return [] }
        guard database.resolvedDatabaseURL != nil else {
            throw ValidationError("--read-url needs --database-url: the embedded database has no standby")
        }
        do {
            return try DatabaseSettings.clientConfigurations(url: readURL, forReads: true)
        } catch {
            throw ValidationError("--read-url: \(error)")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger()
        let keyring = try keys.keyring(dataDir: database.dataDir, logger: logger)
        // TLS by default: the operator's certificate, else the server's own.
        let tlsFiles = plaintext || insecurePlaintext
            ? nil : try tls.files() ?? ServerCertificate.loadOrCreate(dataDir: database.dataDir, logger: logger)
        if let tlsFiles {
            let fingerprint = try ServerCertificate.fingerprint(ofPEMFile: tlsFiles.certificateChain)
            logger.info("serving TLS", metadata: ["certificate": "\(tlsFiles.certificateChain)", "sha256": "\(fingerprint)"])
        }
        let amqp = try amqp()
        let readHosts = try readHosts()
        try await database.withDatabase(logger: logger) { hosts in
            let app = InventoryServerApp(
                configuration: .init(
                    listenHost: listenHost, grpcPort: grpcPort, httpHost: httpHost, httpPort: httpPort,
                    database: hosts[0], otherDatabaseHosts: Array(hosts.dropFirst()),
                    readDatabaseHosts: readHosts, keyring: keyring, tls: tlsFiles,
                    insecurePlaintext: insecurePlaintext, amqp: amqp),
                logger: logger)
            try await app.run()
        }
        logger.info("inventory-server stopped")
    }
}
