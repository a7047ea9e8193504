import Logging
import PostgresNIO
import UsherCore

/// The PostgreSQL-backed inventory. One method per use case, each in its own file;
/// each method owns its SQL. Every call is bounded by ``callTimeout`` so nothing
/// hangs when the database goes away (the pool would otherwise wait for a
/// connection forever).
public struct InventoryStore: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    public var callTimeout: Duration
    /// Verifies scanned codes and signs new ones (ConfirmSeat, UpdateOwner).
    public let keyring: TicketKeyring

    public init(client: PostgresClient, logger: Logger, keyring: TicketKeyring, callTimeout: Duration = .seconds(3)) {
        self.client = client
        self.logger = logger
        self.keyring = keyring
        self.callTimeout = callTimeout
    }

    /// Runs `body` within ``callTimeout`` and turns every failure into a ``StoreError``.
    func bounded<T: Sendable>(
        seatID: String? = nil,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws(StoreError) -> T {
        let timeout = callTimeout
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StoreError.unavailable("the database did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else {
                    throw StoreError.internalError("bounded call produced no result")
                }
                return first
            }
        } catch {
            let classified = DatabaseErrorClassifier.classify(error, seatID: seatID)
            if case .internalError = classified {
                // The detail stays here, in the server log; clients get a generic message.
                logger.error("database call failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            throw classified
        }
    }

    /// Runs `body` in one transaction, bounded and classified like ``bounded(seatID:_:)``.
    func transaction<T: Sendable>(
        seatID: String? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let client = self.client
        let logger = self.logger
        return try await bounded(seatID: seatID) {
            try await client.withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        }
    }

    /// Answers when the database can run a query within the bound (readiness).
    public func ping() async throws(StoreError) {
        let client = self.client
        try await bounded {
            _ = try await client.query("SELECT 1", logger: self.logger).collect()
            return ()
        }
    }
}
