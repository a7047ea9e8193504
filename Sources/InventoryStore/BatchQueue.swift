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
final class BatchQueue<Item: Sendable, Answer: Sendable>: Sendable {
    /// Runs one batch on one connection and returns one answer per item, in order.
    typealias Run = @Sendable ([Item], PostgresConnection, Logger) async throws -> [Answer]

    private let client: PostgresClient
    private let logger: Logger
    private let limit: Int
    private let leaders: Int
    private let conflictKeys: @Sendable (Item) -> [String]
    private let run: Run
    private let state: Mutex<State>

    /// - Parameters:
    ///   - limit: the most items in one statement.
    ///   - leaders: the most drains at once (connections used). Two measured best on
    ///     the 2-core reference machine (scripts/bench.sh load): with one, a batch
    ///     waits for the previous one's commit; with more, batches stay small and the
    ///     commits' savings shrink.
    init(
        client: PostgresClient, logger: Logger, limit: Int = 64, leaders: Int = 2,
        conflictKeys: @escaping @Sendable (Item) -> [String] = { _ in [] }, run: @escaping Run
    ) {
        self.client = client
        self.logger = logger
        self.limit = limit
        self.leaders = leaders
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

    /// Runs batches on one connection until the queue is empty.
    private func drain() async {
        let run = self.run
        let logger = self.logger
        while true {
            do {
                let finished = try await client.withConnection { connection -> Bool in
                    while let batch = nextBatch() {
                        let outcomes = await execute(batch, on: connection, run: run, logger: logger)
                        answer(batch.map(\.0), outcomes)
                        // A broken connection: the rest goes on a new one.
                        if connection.isClosed { return false }
                    }
                    return true
                }
                if finished { return }
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

    private func execute(
        _ batch: [(UInt64, Item)], on connection: PostgresConnection, run: Run, logger: Logger
    ) async -> [Outcome] {
        let items = batch.map(\.1)
        do {
            let answers = try await run(items, connection, logger)
            guard answers.count == items.count else {
                throw StoreError.internalError("a batch of \(items.count) returned \(answers.count) answers")
            }
            return answers.map { .success($0) }
        } catch let error as PSQLError where items.count > 1 && error.serverInfo?[.sqlState] != nil {
            // The server refused the statement, so it failed as a whole and wrote nothing
            // (its own transaction): each item alone, but not those whose callers have
            // gone meanwhile. Any other failure (the connection, a row that would not
            // decode) may have come after the commit: running again could write twice,
            // so every item fails with it.
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
            return outcomes
        } catch {
            return items.map { _ in .failure(error) }
        }
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
