import InventoryStore
import Logging
import PostgresNIO

/// Runs `body` with a running PostgresClient that is shut down afterwards. For the
/// one-shot work before and outside the ServiceGroup: migrations, venue import.
func withTemporaryClient<T: Sendable>(
    _ configuration: PostgresClient.Configuration, logger: Logger,
    _ body: @escaping @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    try await withTemporaryClients([configuration], logger: logger) { clients in try await body(clients[0]) }
}

/// One running client per configuration, all shut down afterwards.
func withTemporaryClients<T: Sendable>(
    _ configurations: [PostgresClient.Configuration], logger: Logger,
    _ body: @escaping @Sendable ([PostgresClient]) async throws -> T
) async throws -> T {
    let clients = configurations.map { PostgresClient(configuration: $0, backgroundLogger: logger) }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        for client in clients {
            group.addTask {
                await client.run()
                return nil
            }
        }
        defer { group.cancelAll() }
        let result = try await body(clients)
        group.cancelAll()
        return result
    }
}

/// The hosts of a multi-host database URL with the primary first: what the one-shot
/// commands (migrations, venue import, devices) write to, and where a server starts.
/// One host is returned as it is, unasked.
func primaryFirst(
    _ configurations: [PostgresClient.Configuration], logger: Logger
) async throws -> [PostgresClient.Configuration] {
    guard configurations.count > 1 else { return configurations }
    let primary = try await withTemporaryClients(configurations, logger: logger) { clients in
        let nodes = DatabaseNodes(
            zip(configurations, clients).map { .init(label: DatabaseSettings.label($0), client: $1, probe: $1) })
        // A failover may be under way: ask again for up to 30 s before giving up.
        let giveUp = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await nodes.followPrimary(within: .seconds(5), logger: logger).primary
            } catch where ContinuousClock.now < giveUp {
                logger.warning("no database primary yet; asking again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
    let index = configurations.firstIndex { DatabaseSettings.label($0) == primary } ?? 0
    logger.info("database primary", metadata: ["host": "\(primary)"])
    return [configurations[index]] + configurations.enumerated().filter { $0.offset != index }.map(\.element)
}
