import InventoryStore
import Logging
import Metrics
import ServiceLifecycle

/// The safety net for hold expiry: every `interval`, release holds whose time has
/// passed. Reservations already treat a lapsed hold as AVAILABLE, so the sweep is
/// about keeping the stored state (seat maps, occupancy) truthful, not about
/// correctness of sales. The RabbitMQ dead-letter path, when present, releases
/// holds on time; this catches whatever it misses.
public struct HoldSweeper: Service {
    let store: InventoryStore
    let interval: Duration
    let batchSize: Int
    let logger: Logger

    public init(store: InventoryStore, interval: Duration = .seconds(5), batchSize: Int = 500, logger: Logger) {
        self.store = store
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
    }

    /// One pass: releases expired holds batch by batch until none are left.
    @discardableResult
    public func sweep() async throws(StoreError) -> Int {
        var total = 0
        while true {
            let released = try await store.releaseExpiredHolds(limit: batchSize)
            total += released.count
            if released.count < batchSize { break }
        }
        if total > 0 {
            Counter(label: "usher_holds_expired_total", dimensions: [("path", "sweep")]).increment(by: total)
            logger.info("released expired holds", metadata: ["count": "\(total)"])
        }
        return total
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        try await sweep()
                    } catch {
                        // The database may be down; the next pass tries again.
                        logger.warning("hold sweep failed", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }
}
