import Metrics
import Prometheus
import Synchronization

/// The process's one Prometheus registry. MetricsSystem may be bootstrapped only
/// once per process, and tests start several servers in one process.
enum MetricsBootstrap {
    private static let shared = Mutex<PrometheusCollectorRegistry?>(nil)

    static func registry() -> PrometheusCollectorRegistry {
        shared.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }
}
