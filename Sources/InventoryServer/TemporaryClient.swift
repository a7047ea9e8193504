import Logging
import PostgresNIO

/// Runs `body` with a running PostgresClient that is shut down afterwards. For the
/// one-shot work before and outside the ServiceGroup: migrations, venue import.
func withTemporaryClient<T: Sendable>(
    _ configuration: PostgresClient.Configuration, logger: Logger,
    _ body: @escaping @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        let result = try await body(client)
        group.cancelAll()
        return result
    }
}
