import InventoryStore
import Logging
import ServiceLifecycle

/// Probes the database every `interval` and feeds the answer to ``ServingState``.
///
/// The probe is bounded by `probeTimeout` (and ``InventoryStore``'s call bound
/// answers on time even when a query never comes back), so an outage is seen
/// within `interval + probeTimeout` (1.5 s by default; the promise is 3 s), idle
/// or under load, and recovery as soon as one probe gets through.
///
/// A database with a standby (several hosts): each probe first asks whether calls
/// still go to the primary, and moves them when a failover made another host the
/// primary (``DatabaseNodes``), so the server follows within `interval + probeTimeout`
/// of the new primary taking writes. `/readyz` then says which host is the primary
/// and whether it has a synchronous standby ("degraded" when it has none: an
/// admission is then on one machine only). With read hosts (`--read-url`) it also
/// picks the standby that seat maps and occupancy are read from.
public struct DatabaseHealthMonitor: Service {
    let store: InventoryStore
    let state: ServingState
    let interval: Duration
    let probeTimeout: Duration
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
        self.probeTimeout = probeTimeout
        self.logger = logger
    }

    public func run() async throws {
        defer { state.shutDown() }
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    // Beside the primary's probe, never before it: a read host that
                    // hangs must not slow the outage check down.
                    async let reads: Void = followReadHosts()
                    do throws(StoreError) {
                        if store.nodes.nodes.count > 1 {
                            let standing = try await store.nodes.followPrimary(within: probeTimeout, logger: logger)
                            _ = state.update { $0.primaryFound(standing) }
                        }
                        try await store.ping()
                        if state.update({ $0.databaseAnswered() }) { logger.info("database answers; serving") }
                    } catch {
                        let why = if case .unavailable(let why) = error { why } else { "\(error)" }
                        if store.nodes.nodes.count > 1 { _ = state.update { $0.link("database", "database: \(why)") } }
                        if state.update({ $0.databaseFailed(why) }) {
                            logger.error("database unavailable; not serving", metadata: ["error": "\(error)"])
                        }
                    }
                    await reads
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: stop probing.
        }
    }

    /// Where seat maps and occupancy are read (`--read-url`): a standby while one
    /// answers. Detail for `/readyz` only; reads fall back to the primary on their own.
    private func followReadHosts() async {
        guard let readNodes = store.readNodes else { return }
        do throws(StoreError) {
            let line = try await readNodes.followStandby(within: probeTimeout, logger: logger)
            _ = state.update { $0.link("database reads", "database reads: \(line)") }
        } catch {
            let why = if case .unavailable(let why) = error { why } else { "\(error)" }
            _ = state.update { $0.link("database reads", "database reads: primary (\(why))") }
        }
    }
}
