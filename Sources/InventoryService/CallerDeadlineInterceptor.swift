import GRPCCore
import InventoryStore

/// Hands the client's deadline (the `grpc-timeout` request header) to the store, so
/// a call that cannot finish in time answers UNAVAILABLE just before the client
/// gives up, rather than working on after nobody is waiting. Without a deadline,
/// the store's own call bound applies alone.
struct CallerDeadlineInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let header = request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true }),
            let timeout = Self.duration(header)
        else { return try await next(request, context) }
        return try await InventoryStore.$callerDeadline.withValue(.now + timeout) {
            try await next(request, context)
        }
    }

    /// `grpc-timeout` per the gRPC HTTP/2 protocol: up to 8 digits and a unit
    /// (H, M, S, m, u, n). Anything else is ignored, as if absent.
    static func duration(_ header: String) -> Duration? {
        guard let unit = header.last, header.count >= 2, header.count <= 9,
            let value = Int64(header.dropLast()), value >= 0
        else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }
}
