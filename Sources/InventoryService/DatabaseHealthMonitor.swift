import InventoryStore
import Logging
import ServiceLifecycle

/// Probes the database every `interval` and feeds the answer to ``ServingState``.
///
/// The probe is bounded by `probeTimeout` (and ``InventoryStore``'s call bound
/// answers on time even when a query never comes back), so an outage is seen
/// within `interval + probeTimeout` (1.5 s by default; the promise is 3 s), idle
/// or under load, and recovery as soon as one probe gets through.
public struct DatabaseHealthMonitor: Service {
    let store: InventoryStore
    let state: ServingState
    let interval: Duration
    let logger: Logger

    public init(
        store: InventoryStore, state: ServingState, interval: Duration = .milliseconds(500),
        probeTimeout: Duration = .seconds(1), logger: Logger
    ) {
        var bounded = store
        bounded.callTimeout = probeTimeout
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
                    do throws(StoreError) {
                        try await store.ping()
                        if state.update({ $0.databaseAnswered() }) { logger.info("database answers; serving") }
                    } catch {
                        let why = if case .unavailable(let why) = error { why } else { "\(error)" }
                        if state.update({ $0.databaseFailed(why) }) {
                            logger.error("database unavailable; not serving", metadata: ["error": "\(error)"])
                        }
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: stop probing.
        }
    }
}
