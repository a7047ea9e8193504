import GRPCCore
import InventoryProto

/// The standard grpc.health.v1.Health service. "" (the whole server) and
/// "inventory.InventoryService" are known; both follow the database.
struct HealthRPCService {
    let state: ServingState
    static let knownServices: Set<String> = ["", "inventory.InventoryService"]

    private func status(serving: Bool) -> Grpc_Health_V1_HealthCheckResponse {
        .with { $0.status = serving ? .serving : .notServing }
    }
}

extension HealthRPCService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard Self.knownServices.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        return status(serving: state.isServing)
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        guard Self.knownServices.contains(request.service) else {
            try await response.write(.with { $0.status = .serviceUnknown })
            return
        }
        for await serving in state.updates() {
            try await response.write(status(serving: serving))
        }
    }
}
