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
    private struct Current {
        var index = 0
        var generation: UInt64 = 0
        /// For read hosts: whether the last look found one to read from.
        var readable = true
    }
    private let current = Mutex(Current())

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

    /// The node calls go to: the primary (for the read hosts of `--read-url`, a
    /// standby when one answers: ``followStandby(within:logger:)``).
    public var chosen: Node { nodes[current.withLock { $0.index }] }

    /// Goes up each time calls move to another host. A call that saw it change did
    /// some of its work on the old primary (whose last commits a rewind may drop), so
    /// it answers UNAVAILABLE and the caller retries on the new one (a scan under its
    /// scan id): see ``InventoryStore/scanCall(_:)``.
    public var generation: UInt64 { current.withLock { $0.generation } }

    /// For the read hosts: false while ``followStandby(within:logger:)`` finds none
    /// fit to read from, so reads go straight to the primary instead of waiting on a
    /// dead host first.
    public var readable: Bool { current.withLock { $0.readable } }

    /// The pools to run (each once).
    public var clients: [PostgresClient] {
        nodes.flatMap { $0.client === $0.probe ? [$0.client] : [$0.client, $0.probe] }
    }

    /// What following found: the primary, and its synchronous standbys.
    public struct Standing: Sendable, Equatable {
        public var primary: String
        /// Standbys whose commit the primary waits for (`pg_stat_replication`); nil
        /// when the database user may not see it (it needs `pg_monitor`).
        public var synchronousStandbys: Int?
        /// The primary changed on this check.
        public var moved: Bool

        public init(primary: String, synchronousStandbys: Int?, moved: Bool) {
            self.primary = primary
            self.synchronousStandbys = synchronousStandbys
            self.moved = moved
        }
    }

    /// What one host said.
    private struct Answer: Sendable {
        var inRecovery: Bool
        /// The WAL timeline it writes on (0 for a standby): a promotion starts a new one.
        var timeline: Int64
        /// nil: not visible to this user (`pg_read_all_stats`, part of `pg_monitor`).
        var synchronousStandbys: Int?
        /// Where its WAL is: written (a primary) or replayed (a standby), in bytes.
        var walPosition: Int64
        /// A standby with a WAL receiver running (following a primary, not cut off).
        var receiving: Bool
    }

    /// How far behind the primary a standby may be and still serve reads: a few
    /// seconds of a busy venue's writes, not a standby left behind.
    static let readLagLimit: Int64 = 16 * 1024 * 1024

    /// Asks every host at once, within `timeout` in all, which of them takes writes,
    /// and moves calls to it.
    ///
    /// Two hosts can both take writes for a moment in a failover: the old primary's
    /// keeper may restart its PostgreSQL before pg_auto_failover demotes it, while the
    /// standby is promoted. The promoted one writes on a newer timeline, so the host on
    /// the highest timeline is the primary; two on the same timeline cannot be told
    /// apart, and calls wait (UNAVAILABLE) until the failover settles.
    /// - Throws: ``StoreError/unavailable(_:)`` naming what each host said, when no
    ///   host is (or more than one might be) the primary.
    public func followPrimary(within timeout: Duration, logger: Logger) async throws(StoreError) -> Standing {
        let answers = await askAll(within: timeout, logger: logger)
        let heard = describe(answers)
        let writable = answers.indices.compactMap { index -> (index: Int, answer: Answer)? in
            guard case .success(let said) = answers[index], !said.inRecovery else { return nil }
            return (index, said)
        }
        guard let newest = writable.max(by: { $0.answer.timeline < $1.answer.timeline }) else {
            throw .unavailable("no primary among the database's hosts (\(heard))")
        }
        guard writable.filter({ $0.answer.timeline == newest.answer.timeline }).count == 1 else {
            throw .unavailable("more than one host takes writes (\(heard)); waiting for the failover to settle")
        }
        let moved = current.withLock { current in
            guard current.index != newest.index else { return false }
            current.index = newest.index
            current.generation += 1
            return true
        }
        if moved { logger.warning("the database's primary is now \(nodes[newest.index].label)", metadata: ["hosts": "\(heard)"]) }
        return Standing(
            primary: nodes[newest.index].label, synchronousStandbys: newest.answer.synchronousStandbys, moved: moved)
    }

    /// For the read hosts of `--read-url` (seat maps, occupancy): moves calls to a
    /// standby fit to read from (the one in use while it still is, else the first in
    /// URL order), or to a host that takes writes when no standby is, so a
    /// supervisor's screen goes on when the standby is down, behind or promoted.
    /// - Returns: what reads go to now, for `/readyz`.
    /// - Throws: ``StoreError/unavailable(_:)`` naming what each host said, when no
    ///   host is fit; reads then go to the primary (``readable`` is false).
    public func followStandby(within timeout: Duration, logger: Logger) async throws(StoreError) -> String {
        let answers = await askAll(within: timeout, logger: logger)
        let said = answers.map { try? $0.get() }
        // Caught up: receiving WAL, and (when a primary is among the hosts) within
        // readLagLimit of it. A standby cut off, or the old primary still catching up
        // after a failover, would show a past state as current.
        let primaryPosition = said.compactMap { $0 }.filter { !$0.inRecovery }.map(\.walPosition).max()
        let standbys = said.indices.filter { index in
            guard let answer = said[index], answer.inRecovery, answer.receiving else { return false }
            guard let primaryPosition else { return true }
            return primaryPosition - answer.walPosition <= Self.readLagLimit
        }
        let primaries = said.indices.filter { said[$0].map { !$0.inRecovery } ?? false }
        let before = current.withLock { $0.index }
        guard let pick = standbys.contains(before) ? before : standbys.first ?? primaries.first else {
            current.withLock { $0.readable = false }
            throw .unavailable("no read host is fit to read from (\(describe(answers)))")
        }
        let moved = current.withLock { current in
            current.readable = true
            guard current.index != pick else { return false }
            current.index = pick
            current.generation += 1
            return true
        }
        let line = standbys.contains(pick) ? "standby \(nodes[pick].label)" : "\(nodes[pick].label) (no standby fit to read from)"
        if moved { logger.info("reads go to \(line)", metadata: ["hosts": "\(describe(answers))"]) }
        return line
    }

    /// Every host's answer, asked at once, within `timeout` in all.
    private func askAll(within timeout: Duration, logger: Logger) async -> [Result<Answer, StoreError>] {
        await withTaskGroup(of: (Int, Result<Answer, StoreError>).self) { group in
            for (index, node) in nodes.enumerated() {
                group.addTask { (index, await Self.ask(node, within: timeout, logger: logger)) }
            }
            var answers = [Result<Answer, StoreError>](repeating: .failure(.unavailable("not asked")), count: nodes.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
    }

    /// "db1:5432: primary on timeline 2; db2:5432: a standby".
    private func describe(_ answers: [Result<Answer, StoreError>]) -> String {
        zip(nodes, answers).map { node, answer in
            switch answer {
            case .success(let said):
                "\(node.label): "
                    + (said.inRecovery
                        ? "a standby\(said.receiving ? "" : " receiving no WAL")" : "primary on timeline \(said.timeline)")
            case .failure(let error): "\(node.label): \(error)"
            }
        }.joined(separator: "; ")
    }

    private static func ask(_ node: Node, within timeout: Duration, logger: Logger) async -> Result<Answer, StoreError> {
        do {
            return .success(
                try await withCallBound(timeout, onTimeout: { StoreError.unavailable("no answer within \(timeout)") }) {
                    let rows = try await node.probe.query(
                        """
                        SELECT pg_is_in_recovery(),
                               CASE WHEN pg_is_in_recovery() THEN 0
                                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int8 END,
                               CASE WHEN pg_has_role('pg_read_all_stats', 'USAGE')
                                    THEN (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum'))::int4
                               END,
                               pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                                                    ELSE pg_current_wal_lsn() END, '0/0')::int8,
                               EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL)
                        """, logger: logger
                    ).collect()
                    guard let row = rows.first else { throw StoreError.unavailable("no answer") }
                    let (inRecovery, timeline, synchronous, position, receiving) =
                        try row.decode((Bool, Int64, Int32?, Int64?, Bool).self)
                    return Answer(
                        inRecovery: inRecovery, timeline: timeline, synchronousStandbys: synchronous.map(Int.init),
                        walPosition: position ?? 0, receiving: receiving)
                })
        } catch {
            return .failure(DatabaseErrorClassifier.classify(error, seatID: nil))
        }
    }
}
