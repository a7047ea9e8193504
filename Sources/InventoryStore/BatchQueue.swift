import Logging
import PostgresNIO
import Synchronization

/// Group commit for the scan path: concurrent scans' statements of one kind go to
/// PostgreSQL as one statement over arrays, one round trip and one commit for all of
/// them, instead of one each.
///
/// Why: at 16 or 64 doors in flight, a scan's cost was mostly per statement, not per
/// row: the round trip, the executor's start-up, the commit's WAL flush, and the
/// pool's lease (issue 15). A batch pays those once.
///
/// How batches form, without waiting on purpose: at most `leaders` drains run at
/// once, each on one pooled connection. A drain takes everything queued (up to
/// `limit`) as one batch, answers each item, and takes the next batch, until the queue
/// is empty; then it returns its connection and ends. A lone scan is a batch of one and
/// goes at once; under load, batches grow by themselves while the previous ones are at
/// the database, and a drain keeps its connection instead of leasing one per batch.
///
/// - Items that must not share a statement (two admissions of one seat, or of one scan
///   id) have a common conflict key; the later one waits for a later batch.
/// - A batch that the server refuses (a lock timeout on one seat, a scan id's unique
///   violation, a deadlock between two batches) wrote nothing. Its items then run one
///   by one, so each gets its own answer, and the one that failed is told why. A seat
///   locked by a slow writer therefore delays its batch's other doors too, by up to
///   `lock_timeout` (2 s); box-office writes touch seats doors are not scanning, so
///   this is rare.
/// - A drain is a task of its own, started by the submitter that finds the queue
///   without one, and ends when the queue is empty: no caller's cancellation (a call
///   bound expiring) reaches another caller's statement. An item still queued when its
///   submitter is cancelled is withdrawn, never written.
/// - For the same reason a drain's wait for a pooled connection has its own bound
///   (``withLease(_:)``), and a batch that failed other than by the server's refusal
///   (the connection, a timeout, a shutdown) ends that connection's use: the next
///   batch goes on a fresh lease.
final class BatchQueue<Item: Sendable, Answer: Sendable>: Sendable {
    /// Runs one batch on one connection and returns one answer per item, in order.
    typealias Run = @Sendable ([Item], PostgresConnection, Logger) async throws -> [Answer]

    /// Each lease asks the primary's pool as of then (it moves on a failover).
    private let nodes: DatabaseNodes
    private let logger: Logger
    private let limit: Int
    private let leaders: Int
    private let leaseBound: Duration
    private let conflictKeys: @Sendable (Item) -> [String]
    private let run: Run
    private let state: Mutex<State>

    /// - Parameters:
    ///   - leaseBound: the longest a drain waits for a pooled connection before the
    ///     items waiting for it fail UNAVAILABLE; the store's call bound.
    ///   - limit: the most items in one statement.
    ///   - leaders: the most drains at once (connections used). Two measured best on
    ///     the 2-core reference machine (scripts/bench.sh load): with one, a batch
    ///     waits for the previous one's commit; with more, batches stay small and the
    ///     commits' savings shrink.
    init(
        nodes: DatabaseNodes, logger: Logger, leaseBound: Duration, limit: Int = 64, leaders: Int = 2,
        conflictKeys: @escaping @Sendable (Item) -> [String] = { _ in [] }, run: @escaping Run
    ) {
        self.nodes = nodes
        self.logger = logger
        self.limit = limit
        self.leaders = leaders
        self.leaseBound = leaseBound
        self.conflictKeys = conflictKeys
        self.run = run
        self.state = Mutex(State())
    }

    /// Items submitted and not yet in a batch (for tests).
    var queued: Int { state.withLock { $0.queue.count } }

    /// Runs `item` in the next batch and returns its answer, or the error that its
    /// statement (run alone) failed with.
    func submit(_ item: Item) async throws -> Answer {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.entries[state.nextID] = Entry(item: item)
            state.queue.append(state.nextID)
            return state.nextID
        }
        let outcome: Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let (early, startDrain) = state.withLock { state -> (Outcome?, Bool) in
                    if let outcome = state.entries[id]?.outcome {
                        state.entries[id] = nil
                        return (outcome, false)
                    }
                    state.entries[id]?.continuation = continuation
                    guard state.running < leaders, !state.queue.isEmpty else { return (nil, false) }
                    state.running += 1
                    return (nil, true)
                }
                if let early { continuation.resume(returning: early) }
                // Unstructured (and detached: no caller's priority or task-locals) on
                // purpose: the drain serves every caller whose item it takes, so it must
                // outlive, and ignore the cancellation of, the one that started it. It
                // ends when the queue is empty.
                if startDrain { Task.detached { await self.drain() } }
            }
        } onCancel: {
            let withdrawn = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                guard let index = state.queue.firstIndex(of: id) else {
                    // Already in a batch: if that batch fails and its items run one by
                    // one, this one is skipped (its caller has gone; nothing was written).
                    state.entries[id]?.abandoned = true
                    return nil
                }
                state.queue.remove(at: index)
                guard let continuation = state.entries[id]?.continuation else {
                    state.entries[id]?.outcome = .failure(CancellationError())
                    return nil
                }
                state.entries[id] = nil
                return continuation
            }
            withdrawn?.resume(returning: .failure(CancellationError()))
        }
        return try outcome.get()
    }

    /// Runs batches until the queue is empty, on one connection while it stays sound.
    private func drain() async {
        while true {
            do {
                if try await withLease({ connection, client in await self.serve(on: connection, of: client) }) { return }
            } catch {
                // No connection to be had: what waits now fails now, with the reason,
                // rather than at each caller's bound. The next submitter starts afresh.
                let failed = state.withLock { state -> [UInt64] in
                    defer {
                        state.queue = []
                        state.running -= 1
                    }
                    return state.queue
                }
                answer(failed, failed.map { _ in .failure(error) })
                return
            }
        }
    }

    /// Runs queued batches on `connection` (leased from `client`): true when the queue
    /// is empty (the drain ends), false when the connection may be broken, or the
    /// database's primary has moved to another host, and the rest needs another.
    private func serve(on connection: PostgresConnection, of client: PostgresClient) async -> Bool {
        while true {
            // The primary moved (a failover): the rest goes on a connection to the new one.
            guard nodes.chosen.client === client else { return false }
            guard let batch = nextBatch() else { return true }
            let (outcomes, sound) = await execute(batch, on: connection)
            answer(batch.map(\.0), outcomes)
            // A connection that may be broken: the rest goes on a fresh one.
            if !sound || connection.isClosed { return false }
        }
    }

    /// `body` on a pooled connection, if the pool hands one over within ``leaseBound``.
    ///
    /// Why bounded: a drain is its own task, so nobody's deadline cancels its wait for
    /// a connection. Around a database restart the pool can keep a request waiting
    /// past any caller's bound (its reconnect backoff, its circuit breaker), and while
    /// both drains wait, every scan queues behind them and fails UNAVAILABLE although
    /// the database is back. Bounded, the waiting items fail with the reason at the
    /// same bound a caller has, and the next scan asks the pool afresh.
    private func withLease(_ body: @escaping @Sendable (PostgresConnection, PostgresClient) async -> Bool) async throws -> Bool {
        let claim = LeaseClaim()
        let client = nodes.chosen.client
        let bound = leaseBound
        return try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    // Too late: the waiting items have been failed already.
                    guard claim.take(.leased) else { return true }
                    return await body(connection, client)
                }
            }
            group.addTask {
                try await Task.sleep(for: bound)
                guard claim.take(.expired) else { return nil }
                throw StoreError.unavailable("no database connection within \(bound)")
            }
            while let result = try await group.next() {
                if let finished = result {
                    group.cancelAll()
                    return finished
                }
            }
            throw StoreError.internalError("a lease ended without an outcome")
        }
    }

    /// The oldest queued item and every later one that fits, up to ``limit``; nil (and
    /// the drain ends) when nothing is queued.
    private func nextBatch() -> [(UInt64, Item)]? {
        state.withLock { state -> [(UInt64, Item)]? in
            guard !state.queue.isEmpty else {
                state.running -= 1
                return nil
            }
            var batch: [(UInt64, Item)] = []
            var keys = Set<String>()
            var left: [UInt64] = []
            for id in state.queue {
                guard batch.count < limit, let item = state.entries[id]?.item else {
                    left.append(id)
                    continue
                }
                let itemKeys = conflictKeys(item)
                if itemKeys.contains(where: keys.contains) {
                    left.append(id)
                    continue
                }
                keys.formUnion(itemKeys)
                batch.append((id, item))
            }
            state.queue = left
            return batch
        }
    }

    /// Hands each item its outcome: to its waiting submitter, or into its entry for a
    /// submitter that has not started waiting yet.
    private func answer(_ ids: [UInt64], _ outcomes: [Outcome]) {
        let resumes = state.withLock { state -> [(CheckedContinuation<Outcome, Never>, Outcome)] in
            var resumes: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            for (id, outcome) in zip(ids, outcomes) {
                if let continuation = state.entries[id]?.continuation {
                    state.entries[id] = nil
                    resumes.append((continuation, outcome))
                } else {
                    state.entries[id]?.outcome = outcome
                }
            }
            return resumes
        }
        for (continuation, outcome) in resumes { continuation.resume(returning: outcome) }
    }

    /// Runs one batch; `sound` is false when it failed in a way that may have broken
    /// its connection.
    private func execute(_ batch: [(UInt64, Item)], on connection: PostgresConnection) async -> (outcomes: [Outcome], sound: Bool) {
        let items = batch.map(\.1)
        do {
            let answers = try await run(items, connection, logger)
            guard answers.count == items.count else {
                throw StoreError.internalError("a batch of \(items.count) returned \(answers.count) answers")
            }
            return (answers.map { .success($0) }, true)
        } catch let error as PSQLError where items.count > 1 && Self.refusedStatement(error) {
            // The server refused the statement, so it failed as a whole and wrote nothing
            // (its own transaction): each item alone, but not those whose callers have
            // gone meanwhile.
            logger.debug("batch failed; running its items one by one", metadata: ["error": "\(error)"])
            var outcomes: [Outcome] = []
            for (id, item) in batch {
                if state.withLock({ $0.entries[id]?.abandoned ?? true }) {
                    outcomes.append(.failure(CancellationError()))
                    continue
                }
                do {
                    guard let answer = try await run([item], connection, logger).first else {
                        throw StoreError.internalError("a batch of 1 returned nothing")
                    }
                    outcomes.append(.success(answer))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            return (outcomes, true)
        } catch {
            // Anything else (the connection, the server going away, a statement timeout,
            // a row that would not decode) may have come after the commit: running again
            // could write twice, so every item fails with it, and the connection is not
            // trusted with the next batch.
            return (items.map { _ in .failure(error) }, false)
        }
    }

    /// Whether the server refused a statement for what it contained: a data error, a
    /// constraint, a lock it could not get, a deadlock or serialization failure. Such a
    /// statement wrote nothing, and the connection stays usable. Not a timeout, a
    /// shutdown or a connection failure (classes 57, 08), after which nothing more
    /// should go on that connection.
    static func refusedStatement(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return ["22", "23", "40", "55"].contains(String(state.prefix(2)))
    }

    private typealias Outcome = Result<Answer, any Error>

    private struct Entry {
        var item: Item
        var continuation: CheckedContinuation<Outcome, Never>?
        /// Decided before the submitter started waiting.
        var outcome: Outcome?
        /// Its caller was cancelled while the item was in a batch.
        var abandoned = false
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        /// Submitted and not yet in a batch, oldest first.
        var queue: [UInt64] = []
        /// Drains running.
        var running = 0
    }
}

/// Who settles a drain's lease first: the pool handing over a connection, or the
/// lease's bound expiring.
private final class LeaseClaim: Sendable {
    enum Outcome { case leased, expired }
    private let outcome = Mutex<Outcome?>(nil)

    /// True for whichever comes first.
    func take(_ claimed: Outcome) -> Bool {
        outcome.withLock { outcome in
            guard outcome == nil else { return false }
            outcome = claimed
            return true
        }
    }
}
