import GRPCCore
import InventoryStore
import Metrics
import Synchronization

/// The server's one ``ServingStatus``, shared: the database monitor, the broker
/// links and the drain write it; grpc.health.v1, `/readyz` and the `usher_serving`
/// gauge read it. Health watchers get every change of the serving answer.
public final class ServingState: Sendable {
    private struct Inner {
        var status: ServingStatus
        var watchers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextID = 0
    }

    private let inner: Mutex<Inner>

    public init() {
        inner = Mutex(Inner(status: ServingStatus()))
        Self.record(serving: false)
    }

    /// Made per call, not kept: a gauge made before the metrics system is
    /// bootstrapped would stay a no-op forever.
    private static func record(serving: Bool) {
        Gauge(label: "usher_serving").record(serving ? 1 : 0)
    }

    public var current: ServingStatus { inner.withLock { $0.status } }
    public var isServing: Bool { current.isServing }

    /// Applies one event (a ``ServingStatus`` method) and tells watchers if the
    /// serving answer changed. Returns whether it did.
    @discardableResult
    public func update(_ event: (inout ServingStatus) -> Bool) -> Bool {
        // Recorded and told under the lock (neither blocks): with several writers
        // (probe, broker threads, drain) a late write outside it could leave the gauge
        // or a watcher on an answer that is no longer true.
        inner.withLock { inner in
            guard event(&inner.status) else { return false }
            let serving = inner.status.isServing
            Self.record(serving: serving)
            for watcher in inner.watchers.values { watcher.yield(serving) }
            return true
        }
    }

    /// The current answer first, then each change, until the consumer stops
    /// listening or the server drains.
    public func updates() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = inner.withLock { inner in
            let id = inner.nextID
            inner.nextID += 1
            continuation.yield(inner.status.isServing)
            if inner.status.draining {
                continuation.finish()
            } else {
                inner.watchers[id] = continuation
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.inner.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// The server is draining: NOT_SERVING from now on, and every watch stream ends,
    /// so open health watches do not hold the drain open.
    public func shutDown() {
        let watchers = inner.withLock { inner in
            _ = inner.status.drain()
            Self.record(serving: false)
            for watcher in inner.watchers.values { watcher.yield(false) }
            defer { inner.watchers.removeAll() }
            return Array(inner.watchers.values)
        }
        // Outside the lock: finishing runs a stream's onTermination, which takes it.
        for watcher in watchers { watcher.finish() }
    }
}

extension ServingState {
    /// While the health probe finds the database failing, a call fails at once with
    /// UNAVAILABLE instead of waiting out its bound for a connection that will not
    /// come. The one place both the credential look-up and the handlers ask.
    func shedWhileDatabaseFails() throws(RPCError) {
        if case .failing(let why) = current.database { throw RPCError(StoreError.unavailable(why)) }
    }
}
