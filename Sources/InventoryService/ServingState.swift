import Synchronization

/// Whether the server can do its job right now (the database answers). Written by
/// ``DatabaseHealthMonitor``, read by grpc.health.v1 and the HTTP sidecar. Watchers
/// get every change.
public final class ServingState: Sendable {
    private struct Inner {
        var serving = false
        var shutDown = false
        var watchers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextID = 0
    }

    private let inner = Mutex(Inner())

    public init() {}

    public var isServing: Bool { inner.withLock { $0.serving } }

    public func set(serving: Bool) {
        let toNotify: [AsyncStream<Bool>.Continuation] = inner.withLock { state in
            guard !state.shutDown, state.serving != serving else { return [] }
            state.serving = serving
            return Array(state.watchers.values)
        }
        for watcher in toNotify { watcher.yield(serving) }
    }

    /// The current value first, then each change, until the consumer stops listening.
    public func updates() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = inner.withLock { state in
            let id = state.nextID
            state.nextID += 1
            continuation.yield(state.serving)
            if state.shutDown {
                continuation.finish()
            } else {
                state.watchers[id] = continuation
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.inner.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// The server is draining: report NOT_SERVING from now on and end every watch
    /// stream, so open health watches do not hold the drain open.
    public func shutDown() {
        let watchers = inner.withLock { state in
            state.serving = false
            state.shutDown = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.yield(false)
            watcher.finish()
        }
    }
}
