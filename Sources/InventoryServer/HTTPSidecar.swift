import Hummingbird
import InventoryService
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The operator's HTTP port: liveness, readiness and Prometheus metrics.
enum HTTPSidecar {
    static func make(
        host: String, port: Int, servingState: ServingState, registry: PrometheusCollectorRegistry,
        logger: Logger, onBound: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        let router = Router()
        router.get("/healthz") { _, _ in
            "ok\n"
        }
        // Readiness is the server's one serving status (the database probe, the
        // drain), never a probe of its own: /readyz, gRPC health and usher_serving
        // cannot disagree. The broker links are detail lines in it.
        router.get("/readyz") { _, _ -> Response in
            let status = servingState.current
            return Response(
                status: status.isServing ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: status.report)))
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
