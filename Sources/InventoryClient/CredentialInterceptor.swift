import GRPCCore

/// Sends a device's credential with every call, as gRPC credentials travel: call
/// metadata, `authorization: Bearer <token>`. One place, so no call can forget it.
/// A call that already carries an `authorization` header keeps it (a tool acting
/// for another device names that device's credential itself).
public struct CredentialInterceptor: ClientInterceptor {
    let token: String

    public init(token: String) { self.token = token }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        if request.metadata[stringValues: "authorization"].first(where: { _ in true }) == nil {
            request.metadata.addString("Bearer \(token)", forKey: "authorization")
        }
        return try await next(request, context)
    }
}
