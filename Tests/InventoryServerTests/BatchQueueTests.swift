import Foundation
@testable import InventoryStore
import PostgresNIO
import Synchronization
import Testing

/// The scan path's group commit (``BatchQueue``), on a real PostgreSQL: batches form
/// while one is at the database, every item gets its own answer, a statement that one
/// item breaks still answers the others, conflicting items never share a statement,
/// and an item withdrawn by its caller's cancellation is never run.
///
/// Each test holds its first batch at the database until the queue shows the items it
/// expects to be waiting, so the batches are the same on every run.
@Suite("Batched scan statements", .timeLimit(.minutes(3)))
struct BatchQueueTests {
    /// Runs each batch as `SELECT x * 10 / (x - 13) ...`: a real statement, which item
    /// 13 fails (division by zero) in whatever batch it is.
    private final class Recorder: Sendable {
        let batches = Mutex<[[Int64]]>([])
        var seen: [[Int64]] { batches.withLock { $0 } }
    }

    private func queue(
        _ client: PostgresClient, recorder: Recorder, leaders: Int = 1, leaseBound: Duration = .seconds(3),
        conflictKeys: @escaping @Sendable (Int64) -> [String] = { _ in [] },
        firstBatchWaitsFor waiting: Int, queueOf: @escaping @Sendable () -> BatchQueue<Int64, Int64>?
    ) -> BatchQueue<Int64, Int64> {
        BatchQueue<Int64, Int64>(nodes: DatabaseNodes(client: client), logger: TestCluster.logger, leaseBound: leaseBound, leaders: leaders, conflictKeys: conflictKeys) {
            items, connection, logger in
            let first = recorder.batches.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            if first {
                // Until the test has handed over the queue and the expected items wait in it.
                try await waitUntil("items queued behind the first batch", within: .seconds(20), every: .milliseconds(5)) {
                    queueOf()?.queued
                } until: { $0 == waiting }
            }
            var answers: [Int64] = []
            for try await answer in try await connection.query(
                "SELECT x * 10 / (x - 13) FROM unnest(\(items)::int8[]) WITH ORDINALITY AS u(x, n) ORDER BY n",
                logger: logger
            ).decode(Int64.self) {
                answers.append(answer)
            }
            return answers
        }
    }

    /// The queue under test, for its own first batch to look at.
    private final class Slot: Sendable {
        let queue = Mutex<BatchQueue<Int64, Int64>?>(nil)
        func get() -> BatchQueue<Int64, Int64>? { queue.withLock { $0 } }
    }

    /// A fresh database and a queue on it whose first batch waits for `waiting` queued
    /// items; `handOver: false` leaves handing the queue to that batch to the test.
    /// The body also gets the queue's pool, which has `maximumConnections` if given.
    private func withQueue(
        firstBatchWaitsFor waiting: Int, conflictKeys: @escaping @Sendable (Int64) -> [String] = { _ in [] },
        leaseBound: Duration = .seconds(3), maximumConnections: Int? = nil, handOver: Bool = true,
        _ body: @escaping @Sendable (BatchQueue<Int64, Int64>, Recorder, Slot, PostgresClient) async throws -> Void
    ) async throws {
        var database = try await TestCluster.shared.freshDatabase()
        if let maximumConnections { database.options.maximumConnections = maximumConnections }
        try await withClient(database) { client in
            let recorder = Recorder()
            let slot = Slot()
            let queue = queue(
                client, recorder: recorder, leaseBound: leaseBound, conflictKeys: conflictKeys, firstBatchWaitsFor: waiting,
                queueOf: slot.get)
            if handOver { slot.queue.withLock { $0 = queue } }
            try await body(queue, recorder, slot, client)
        }
    }

    /// Until the first item's batch is at the database.
    private func firstBatchStarted(_ recorder: Recorder) async throws {
        try await waitUntil("the first batch started", every: .milliseconds(5)) { recorder.seen.count } until: { $0 == 1 }
    }

    private func outcome(_ body: () async throws -> Int64) async -> Result<Int64, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private static func expected(_ item: Int64) -> Int64 { item * 10 / (item - 13) }

    @Test func concurrentItemsShareOneStatementAndEachGetsItsOwnAnswer() async throws {
        try await withQueue(firstBatchWaitsFor: 39) { queue, recorder, _, _ in
            let answers = try await withThrowingTaskGroup(of: (Int64, Int64).self) { group in
                group.addTask { (1, try await queue.submit(1)) }
                try await firstBatchStarted(recorder)
                for item in Int64(20)..<59 { group.addTask { (item, try await queue.submit(item)) } }
                var answers: [Int64: Int64] = [:]
                for try await (item, answer) in group { answers[item] = answer }
                return answers
            }
            #expect(answers.count == 40)
            for (item, answer) in answers { #expect(answer == Self.expected(item), "item \(item)") }
            // One statement for the first item, one for all 39 that queued behind it.
            #expect(recorder.seen.map(\.count) == [1, 39])
            #expect(queue.queued == 0)
        }
    }

    @Test func anItemThatBreaksItsBatchFailsAloneAndTheOthersAreAnswered() async throws {
        try await withQueue(firstBatchWaitsFor: 4) { queue, recorder, _, _ in
            let outcomes = try await withThrowingTaskGroup(of: (Int64, Result<Int64, any Error>).self) { group in
                group.addTask { (1, await outcome { try await queue.submit(1) }) }
                try await firstBatchStarted(recorder)
                for item: Int64 in [12, 13, 14, 15] { group.addTask { (item, await outcome { try await queue.submit(item) }) } }
                var outcomes: [Int64: Result<Int64, any Error>] = [:]
                for try await (item, outcome) in group { outcomes[item] = outcome }
                return outcomes
            }
            for item: Int64 in [1, 12, 14, 15] { #expect(try outcomes[item]?.get() == Self.expected(item), "item \(item)") }
            guard case .failure(let error)? = outcomes[13] else {
                Issue.record("item 13 should fail: \(String(describing: outcomes[13]))")
                return
            }
            #expect((error as? PSQLError)?.serverInfo?[.sqlState] == "22012", "division by zero, from its own statement: \(error)")
            // The batch of four failed as a whole, then each of its items ran alone.
            let sizes = recorder.seen.map(\.count)
            #expect(sizes == [1, 4, 1, 1, 1, 1])
        }
    }

    @Test func conflictingItemsNeverShareAStatement() async throws {
        // 22 and 32 share a key (their last digit), as two admissions of one seat would.
        try await withQueue(firstBatchWaitsFor: 3, conflictKeys: { ["\($0 % 10)"] }) { queue, recorder, _, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await queue.submit(1) }
                try await firstBatchStarted(recorder)
                for (index, item) in [Int64(22), 32, 24].enumerated() {
                    group.addTask {
                        let answer = try await queue.submit(item)
                        #expect(answer == Self.expected(item))
                    }
                    // Once all three wait, the first batch moves on and may empty the queue at once.
                    try await waitUntil("\(item) queued", every: .milliseconds(5)) {
                        (queue.queued, recorder.seen.count)
                    } until: { $0.0 == index + 1 || $0.1 > 1 }
                }
                try await group.waitForAll()
            }
            #expect(recorder.seen.count == 3)
            #expect(Set(recorder.seen.dropFirst()) == [[22, 24], [32]])
        }
    }

    @Test func anItemWithdrawnByCancellationIsNeverRun() async throws {
        // The first batch waits until the queue is handed over, after the cancellation.
        try await withQueue(firstBatchWaitsFor: 0, handOver: false) { queue, recorder, slot, _ in
            let leader = Task { try await queue.submit(1) }
            try await firstBatchStarted(recorder)
            let cancelled = Task { try await queue.submit(2) }
            try await waitUntil("item 2 queued", every: .milliseconds(5)) { queue.queued } until: { $0 == 1 }
            slot.queue.withLock { $0 = queue }
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(try await leader.value == Self.expected(1))
            #expect(recorder.seen == [[1]])
            #expect(queue.queued == 0)
        }
    }

    /// A drain is its own task, so no caller's deadline ends its wait for a connection.
    /// With the pool's only connection held elsewhere (as around a database restart,
    /// when the pool is still backing off), the waiting item must fail UNAVAILABLE at
    /// the lease bound, not wait for the pool, and the next item asks the pool afresh.
    @Test func aDrainWithoutAConnectionFailsItsItemsAtTheLeaseBoundAndTheNextAsksAgain() async throws {
        try await withQueue(firstBatchWaitsFor: 0, leaseBound: .milliseconds(300), maximumConnections: 1) {
            queue, recorder, _, client in
            let holding = Mutex<CheckedContinuation<Void, Never>?>(nil)
            let holder = Task {
                try await client.withConnection { _ in
                    await withCheckedContinuation { continuation in holding.withLock { $0 = continuation } }
                }
            }
            try await waitUntil("the only connection held", every: .milliseconds(5)) {
                holding.withLock { $0 != nil }
            } until: { $0 }
            // A drain that waited for the pool would wait for the release below, which
            // comes only after this: bounded here, so that shows as a failure, not a hang.
            let failed = await outcome {
                try await withCallBound(.seconds(10), onTimeout: { StoreError.internalError("still waiting after 10 s") }) {
                    try await queue.submit(1)
                }
            }
            guard case .failure(let error) = failed, case .unavailable(let reason)? = error as? StoreError else {
                Issue.record("expected UNAVAILABLE while no connection could be had, got \(failed)")
                return
            }
            #expect(reason.contains("no database connection"), "\(reason)")
            #expect(recorder.seen.isEmpty, "nothing ran without a connection")
            holding.withLock { $0?.resume() }
            try await holder.value
            #expect(try await queue.submit(2) == Self.expected(2))
            #expect(recorder.seen == [[2]])
        }
    }
}
