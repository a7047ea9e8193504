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
/// How batches form, without a background task and without waiting on purpose: at
/// most `leaders` batches run at once. A submitter that finds a free slot leads: it
/// runs a batch of its own item plus whatever is queued, answers every item in it, and
/// hands the lead to the oldest item still queued, which runs the next batch with
/// whatever queued meanwhile. A lone scan is a batch of one and goes at once; under
/// load, batches grow by themselves while the previous ones are at the database.
///
/// - Items that must not share a statement (two admissions of one seat, or of one scan
///   id) have a common conflict key; the later one waits for a later batch.
/// - A batch that fails as a whole (a lock timeout on one seat, a scan id's unique
///   violation, a deadlock between two batches) wrote nothing. Its items then run one
///   by one, so each gets its own answer, and the one that failed is told why.
/// - A batch runs in a task of its own, so that the cancellation of the submitter that
///   leads it (its caller's bound expired) never fails the other items. An item still
///   queued when its submitter is cancelled is withdrawn, never written.
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
    ///   - leaders: the most batches at the database at once (connections used). Two
    ///     measured best on the 2-core reference machine (scripts/bench.sh load): with
    ///     one, a batch waits for the previous one's commit; with three, batches stay
    ///     small and the commits' savings shrink.
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
        let turn: Turn = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                let resumes = state.withLock { state -> [(CheckedContinuation<Turn, Never>, Turn)] in
                    if let turn = state.entries[id]?.turn {
                        state.entries[id] = nil
                        return [(continuation, turn)]
                    }
                    state.entries[id]?.continuation = continuation
                    return promote(&state)
                }
                for (continuation, turn) in resumes { continuation.resume(returning: turn) }
            }
        } onCancel: {
            let withdrawn = state.withLock { state -> CheckedContinuation<Turn, Never>? in
                guard let index = state.queue.firstIndex(of: id) else { return nil }
                state.queue.remove(at: index)
                let continuation = state.entries[id]?.continuation
                if continuation == nil { state.entries[id]?.turn = .answered(.failure(CancellationError())) }
                else { state.entries[id] = nil }
                return continuation
            }
            withdrawn?.resume(returning: .answered(.failure(CancellationError())))
        }
        switch turn {
        case .answered(let outcome):
            return try outcome.get()
        case .lead(let batch):
            return try await lead(batch, own: id).get()
        }
    }

    /// Runs `batch` (which holds `own`), answers the others, and hands the lead on.
    private func lead(_ batch: [(UInt64, Item)], own: UInt64) async -> Result<Answer, any Error> {
        let items = batch.map(\.1)
        // Its own task: the leader's cancellation must not fail the other items.
        let outcomes = await Task { await self.execute(items) }.value
        var mine: Result<Answer, any Error> = .failure(StoreError.internalError("a batch lost its own item"))
        var resumes: [(CheckedContinuation<Turn, Never>, Turn)] = []
        state.withLock { state in
            for ((id, _), outcome) in zip(batch, outcomes) {
                if id == own {
                    mine = outcome
                    state.entries[id] = nil
                    continue
                }
                if let continuation = state.entries[id]?.continuation {
                    state.entries[id] = nil
                    resumes.append((continuation, .answered(outcome)))
                } else {
                    state.entries[id]?.turn = .answered(outcome)
                }
            }
            state.running -= 1
            resumes += promote(&state)
        }
        for (continuation, turn) in resumes { continuation.resume(returning: turn) }
        return mine
    }

    /// Starts batches while fewer than ``leaders`` run and items wait: the oldest
    /// queued item leads a batch of itself and what fits behind it. Called whenever a
    /// submitter starts waiting and whenever a batch ends, so a queued item never waits
    /// with no batch running. Returns the waiters to resume; a submitter that is not
    /// waiting yet finds its turn in its entry.
    private func promote(_ state: inout State) -> [(CheckedContinuation<Turn, Never>, Turn)] {
        var resumes: [(CheckedContinuation<Turn, Never>, Turn)] = []
        while state.running < leaders, let head = state.queue.first {
            state.running += 1
            let batch = takeBatch(&state)
            if let continuation = state.entries[head]?.continuation {
                state.entries[head] = nil
                resumes.append((continuation, .lead(batch)))
            } else {
                state.entries[head]?.turn = .lead(batch)
            }
        }
        return resumes
    }

    /// The oldest queued item and every later one that fits, up to ``limit``.
    private func takeBatch(_ state: inout State) -> [(UInt64, Item)] {
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

    private func execute(_ items: [Item]) async -> [Result<Answer, any Error>] {
        let run = self.run
        let logger = self.logger
        do {
            let answers = try await client.withConnection { connection in try await run(items, connection, logger) }
            guard answers.count == items.count else {
                throw StoreError.internalError("a batch of \(items.count) returned \(answers.count) answers")
            }
            return answers.map { .success($0) }
        } catch where items.count > 1 {
            // The statement failed as a whole and wrote nothing: each item alone.
            logger.debug("batch failed; running its items one by one", metadata: ["error": "\(error)"])
            var outcomes: [Result<Answer, any Error>] = []
            for item in items {
                do {
                    let answers = try await client.withConnection { connection in try await run([item], connection, logger) }
                    guard let answer = answers.first else { throw StoreError.internalError("a batch of 1 returned nothing") }
                    outcomes.append(.success(answer))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            return outcomes
        } catch {
            return [.failure(error)]
        }
    }

    private enum Turn: Sendable {
        case answered(Result<Answer, any Error>)
        /// Run this batch (the item's own first), then hand the lead on.
        case lead([(UInt64, Item)])
    }

    private struct Entry {
        var item: Item
        var continuation: CheckedContinuation<Turn, Never>?
        /// Decided before the submitter started waiting.
        var turn: Turn?
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        /// Submitted and not yet in a batch, oldest first.
        var queue: [UInt64] = []
        var running = 0
    }
}

