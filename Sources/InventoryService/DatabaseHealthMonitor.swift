import InventoryStore
import Logging
import ServiceLifecycle

/// Pings the database every `interval` and publishes the answer to ``ServingState``,
/// so health checks report NOT_SERVING within about one interval of an outage and
/// SERVING again once it ends.
public struct DatabaseHealthMonitor: Service {
    let store: InventoryStore
    let state: ServingState
    let interval: Duration
    let logger: Logger

    public init(store: InventoryStore, state: ServingState, interval: Duration = .seconds(1), logger: Logger) {
        var bounded = store
        bounded.callTimeout = min(store.callTimeout, .seconds(2))
        self.store = bounded
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        defer { state.shutDown() }
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    let wasServing = state.isServing
                    do {
                        try await store.ping()
                        if !wasServing { logger.info("database answers; serving") }
                        state.set(serving: true)
                    } catch {
                        if wasServing { logger.error("database unavailable; not serving", metadata: ["error": "\(error)"]) }
                        state.set(serving: false)
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: stop pinging.
        }
    }
}
