import ArgumentParser
import Foundation
import InventoryStore
import Logging
import PostgresNIO
import UsherCore

/// Where the data lives. Without --database-url the server runs its own private
/// PostgreSQL under --data-dir and stops it on exit.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data directory for the embedded PostgreSQL (env USHER_DATA_DIR).", valueName: "dir"))
    var dataDir: String = Environment.string("USHER_DATA_DIR") ?? EmbeddedPostgres.defaultDataDirectory().path

    @Option(help: ArgumentHelp(
        "Use this PostgreSQL instead of the embedded one, e.g. postgres://usher@db:5432/usher?sslmode=require, or several hosts as pg_autoctl show uri prints them: postgres://usher@db1:5432,db2:5432/usher (env DATABASE_URL).",
        valueName: "url"))
    var databaseURL: String?

    /// The flag, else $DATABASE_URL.
    var resolvedDatabaseURL: String? { databaseURL ?? Environment.string("DATABASE_URL") }

    /// Runs `body` with a client configuration per host of the chosen database, the
    /// primary first (one, unless the URL names several). The embedded cluster is
    /// started first and, if this call started it, stopped afterwards however `body` ends.
    func withDatabase<T: Sendable>(
        logger: Logger, _ body: ([PostgresClient.Configuration]) async throws -> T
    ) async throws -> T {
        if let databaseURL = resolvedDatabaseURL {
            return try await body(try await primaryFirst(DatabaseSettings.clientConfigurations(url: databaseURL), logger: logger))
        }
        let embedded = EmbeddedPostgres(
            directory: URL(fileURLWithPath: dataDir).appendingPathComponent("postgres"), logger: logger)
        let started = try await embedded.start()
        logger.info(
            "embedded database",
            metadata: ["psql": "psql -h \(embedded.socketDirectory.path) -U \(EmbeddedPostgres.superuser) \(EmbeddedPostgres.database)"])
        do {
            let result = try await body([embedded.clientConfiguration()])
            if started { try await embedded.stop() }
            return result
        } catch {
            if started { try? await embedded.stop() }
            throw error
        }
    }
}

extension DatabaseOptions {
    /// Runs one back-office store call (devices, venues) on a migrated database
    /// with a short-lived client.
    func withStore<T: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (InventoryStore) async throws -> T
    ) async throws -> T {
        try await withDatabase(logger: logger) { hosts in
            try await InventoryServerApp(configuration: .init(database: hosts[0]), logger: logger).migrate()
            return try await withTemporaryClient(hosts[0], logger: logger) { client in
                try await body(InventoryStore(client: client, logger: logger, keyring: TicketKeyring(signer: nil)))
            }
        }
    }
}

/// Environment defaults for options, so every flag has a matching variable.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
}
