import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryService
import ServiceLifecycle

/// GRPCServer as a ServiceLifecycle service (the adapter in grpc-swift-extras is
/// not available here). Graceful shutdown stops accepting new RPCs and lets
/// in-flight ones finish; the ServiceGroup's shutdown bound caps how long.
/// Health turns NOT_SERVING first, which also ends open health watches (they
/// would otherwise keep the drain waiting for its whole bound).
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let servingState: ServingState

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            servingState.shutDown()
            server.beginGracefulShutdown()
        }
    }
}
