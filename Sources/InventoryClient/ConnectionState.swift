import Synchronization
import UsherCore

extension ConnectionState {
    init(breaker: CircuitBreaker.State, lastLatency: Duration?) {
        let status: Status
        switch breaker {
        case .closed(let failures): status = failures == 0 ? .online : .degraded
        case .halfOpen: status = .degraded
        case .open: status = .offline
        }
        self.init(status: status, lastLatency: lastLatency)
    }
}

/// Fans the latest ConnectionState out to any number of listeners.
final class ConnectionStateBroadcaster: Sendable {
    private struct Inner {
        var current: ConnectionState
        var listeners: [Int: AsyncStream<ConnectionState>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    private let inner: Mutex<Inner>

    init(initial: ConnectionState) { inner = Mutex(Inner(current: initial)) }

    var current: ConnectionState { inner.withLock { $0.current } }

    func publish(_ state: ConnectionState) {
        let listeners: [AsyncStream<ConnectionState>.Continuation] = inner.withLock { inner in
            guard !inner.finished, inner.current != state else { return [] }
            inner.current = state
            return Array(inner.listeners.values)
        }
        for listener in listeners { listener.yield(state) }
    }

    func stream() -> AsyncStream<ConnectionState> {
        let (stream, continuation) = AsyncStream<ConnectionState>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let id: Int? = inner.withLock { inner in
            continuation.yield(inner.current)
            guard !inner.finished else { return nil }
            let id = inner.nextID
            inner.nextID += 1
            inner.listeners[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.inner.withLock { $0.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    func finish() {
        let listeners = inner.withLock { inner in
            inner.finished = true
            defer { inner.listeners.removeAll() }
            return Array(inner.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }
}
