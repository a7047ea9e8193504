import Logging
import PostgresNIO
import Synchronization

/// The database's hosts, and which of them is the primary now.
///
/// A PostgreSQL with a standby (pg_auto_failover) is named by libpq's multi-host URL,
/// `postgres://h1:p1,h2:p2/usher?target_session_attrs=read-write`: try the hosts in
/// order and keep the one that takes writes. PostgresNIO connects to one host, so
/// this is that rule, in the store: one pool per host (a pool opens connections only
/// when asked, so a standby's costs nothing), calls go to the primary's, and
/// ``followPrimary(within:logger:)`` — run by the health probe every half second —
/// checks that it still is the primary and otherwise finds the one that is. A
/// standby refuses a write with `read_only_sql_transaction`, which the store answers
/// UNAVAILABLE, so a door retries its scan (same scan id) and lands on the new
/// primary. Admissions never go to a standby.
public final class DatabaseNodes: Sendable {
    public struct Node: Sendable {
        /// `host:port`, for logs and `/readyz`.
        public let label: String
        /// The pool calls share.
        public let client: PostgresClient
        /// One connection of its own: "are you the primary?" never queues behind calls.
        public let probe: PostgresClient

        public init(label: String, client: PostgresClient, probe: PostgresClient) {
            self.label = label
            self.client = client
            self.probe = probe
        }
    }

    public let nodes: [Node]
    private let current = Mutex(0)

    /// `nodes` in the URL's order; the first is taken as the primary until
    /// ``followPrimary(within:logger:)`` says otherwise.
    public init(_ nodes: [Node]) {
        precondition(!nodes.isEmpty, "a database has at least one host")
        self.nodes = nodes
    }

    /// One host: nothing to follow.
    public convenience init(client: PostgresClient, probe: PostgresClient? = nil) {
        self.init([Node(label: "database", client: client, probe: probe ?? client)])
    }

    /// The node calls go to.
    public var primary: Node { nodes[current.withLock { $0 }] }

    /// The pools to run (each once).
    public var clients: [PostgresClient] {
        nodes.flatMap { $0.client === $0.probe ? [$0.client] : [$0.client, $0.probe] }
    }

    /// What following found: the primary, and its synchronous standbys.
    public struct Standing: Sendable, Equatable {
        public var primary: String
        /// Standbys whose commit the primary waits for (`pg_stat_replication`).
        public var synchronousStandbys: Int
        /// The primary changed on this check.
        public var moved: Bool
    }

    /// Asks the current node whether it takes writes; if it does not (or does not
    /// answer within `timeout`), asks every node in order and moves calls to the
    /// first that does. With one host this only asks that host.
    /// - Throws: ``StoreError/unavailable(_:)`` naming what each host said, when none is a primary.
    public func followPrimary(within timeout: Duration, logger: Logger) async throws(StoreError) -> Standing {
        let start = current.withLock { $0 }
        var heard: [String] = []
        for offset in nodes.indices {
            let index = (start + offset) % nodes.count
            let node = nodes[index]
            do {
                let (inRecovery, synchronous) = try await withCallBound(
                    timeout, onTimeout: { StoreError.unavailable("no answer within \(timeout)") }
                ) {
                    let rows = try await node.probe.query(
                        """
                        SELECT pg_is_in_recovery(),
                               (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum'))::int4
                        """, logger: logger
                    ).collect()
                    guard let row = rows.first else { throw StoreError.unavailable("no answer") }
                    return try row.decode((Bool, Int32).self)
                }
                guard !inRecovery else {
                    heard.append("\(node.label): a standby")
                    continue
                }
                let moved = current.withLock { current in
                    defer { current = index }
                    return current != index
                }
                if moved { logger.warning("the database's primary is now \(node.label)", metadata: ["before": "\(heard)"]) }
                return Standing(primary: node.label, synchronousStandbys: Int(synchronous), moved: moved)
            } catch {
                heard.append("\(node.label): \(DatabaseErrorClassifier.classify(error, seatID: nil))")
            }
        }
        throw .unavailable("no primary among the database's hosts (\(heard.joined(separator: "; ")))")
    }
}
