import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// GRPCServer as a ServiceLifecycle service (the adapter in grpc-swift-extras is
/// not available here). Graceful shutdown stops accepting new RPCs and lets
/// in-flight ones finish; the ServiceGroup's shutdown bound caps how long.
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
