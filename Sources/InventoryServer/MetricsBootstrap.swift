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
            var factory = PrometheusMetricsFactory(registry: created)
            // Loopback RPCs take about a millisecond; the default buckets start at 5 ms.
            factory.defaultDurationHistogramBuckets = [
                .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2.5), .seconds(5),
            ]
            MetricsSystem.bootstrap(factory)
            registry = created
            return created
        }
    }
}
