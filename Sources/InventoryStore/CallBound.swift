import Synchronization

/// Runs `body` and answers within `bound`, whether or not `body` cooperates.
///
/// Why not a task group with a sleeping child: a task group returns only after all
/// of its children have finished, and a PostgresNIO query already sent on a
/// connection does not react to cancellation. With the database half gone (a
/// backend that never answers, a connection being torn down) that turned a 2 s
/// bound into an unbounded wait: the health probe hung, health stayed SERVING, and
/// the server could not even shut down. Here the caller is answered by whichever
/// comes first, the body or the bound; on the bound the body is cancelled and left
/// to end by itself, so only the abandoned query outlives the call, never the
/// caller's wait. What ends it: statement_timeout on a live server, the connection's
/// close on a dead one; on a frozen or partitioned server, only the server's return
/// (or TCP giving up), and until then it holds one pool connection. The health probe
/// has its own pool for that reason, and calls are shed while it reports failure.
///
/// Cancelling the caller answers at once with `CancellationError` and cancels the body.
func withCallBound<T: Sendable>(
    _ bound: Duration,
    onTimeout: @escaping @Sendable () -> any Error,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = CallRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation)
            // Two unstructured tasks on purpose: the point is to stop waiting for the
            // body without waiting for it to finish, which structured concurrency
            // cannot express. Both end soon: the timer when either side finishes, the
            // body when the driver gives up (see above).
            let work = Task {
                do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: bound)
                if !Task.isCancelled { race.finish(.failure(onTimeout())) }
            }
            race.attach(work: work, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first outcome wins; the loser's outcome is dropped and its task cancelled.
private final class CallRace<T: Sendable>: Sendable {
    private struct Inner {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
        var finished = false
    }

    private let inner = Mutex(Inner())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = inner.withLock { inner -> Result<T, any Error>? in
            // Cancelled before the continuation existed: answer now.
            if inner.finished { return inner.outcome }
            inner.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let finished = inner.withLock { inner -> Bool in
            inner.tasks = [work, timer]
            return inner.finished
        }
        if finished {
            work.cancel()
            timer.cancel()
        }
    }

    func finish(_ outcome: Result<T, any Error>) {
        let (continuation, tasks) = inner.withLock { inner -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !inner.finished else { return (nil, []) }
            inner.finished = true
            inner.outcome = outcome
            defer { inner.continuation = nil }
            return (inner.continuation, inner.tasks)
        }
        for task in tasks { task.cancel() }
        continuation?.resume(with: outcome)
    }
}
