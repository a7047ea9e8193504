import Hummingbird
import InventoryService
import InventoryStore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The operator's HTTP port: liveness, readiness and Prometheus metrics.
enum HTTPSidecar {
    static func make(
        host: String, port: Int, store: InventoryStore, registry: PrometheusCollectorRegistry,
        readinessDetail: @escaping @Sendable () -> String? = { nil },
        logger: Logger, onBound: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        let readinessStore = {
            var bounded = store
            bounded.callTimeout = .seconds(2)  // a readiness probe must answer fast
            return bounded
        }()
        let router = Router()
        router.get("/healthz") { _, _ in
            "ok\n"
        }
        // Readiness is the database's; the broker links are detail lines, because the
        // server serves correctly without the broker (the sweep expires holds).
        router.get("/readyz") { _, _ -> Response in
            let detail = readinessDetail().map { $0 + "\n" } ?? ""
            do {
                try await readinessStore.ping()
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n" + detail)))
            } catch {
                return Response(
                    status: .serviceUnavailable,
                    body: .init(byteBuffer: ByteBuffer(string: "not ready: database unavailable\n" + detail)))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "usher-inventory"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
