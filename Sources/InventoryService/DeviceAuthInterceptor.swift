import GRPCCore
import InventoryProto
import InventoryStore
import Logging
import Metrics
import UsherCore

/// Who is calling, for the handlers: set by ``DeviceAuthInterceptor`` for every
/// inventory call that needs a credential, after its role was checked.
enum CallingDevice {
    @TaskLocal static var current: DeviceIdentity?
}

/// Authenticates every `inventory.InventoryService` call: `authorization: Bearer
/// <token>` → the enrolled device → its role checked against ``AccessPolicy``, by
/// method name, so an RPC without a row in the table is refused rather than let
/// through. Hall limits need the request, so the handlers apply them
/// (``InventoryRPCService``). Health is not an inventory call and stays open.
///
/// No credential or a bad one is UNAUTHENTICATED; a good one for the wrong role is
/// PERMISSION_DENIED. Either way the handler never runs, so nothing is written; a
/// counter and a log line record it. While the database is failing, the look-up is
/// not attempted: UNAVAILABLE, as for any call then. A confirmed credential is
/// remembered for a second (``CredentialCache``), so a revocation takes up to that long.
struct DeviceAuthInterceptor: ServerInterceptor {
    let store: InventoryStore
    let servingState: ServingState
    let logger: Logger
    let credentials = CredentialCache()

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.descriptor.service == Inventory_InventoryService.descriptor else {
            return try await next(request, context)
        }
        let method = context.descriptor.method
        guard let operation = InventoryOperation(rawValue: method), let grant = AccessPolicy.table[operation] else {
            throw refuse(.permissionDenied, "\(method) has no entry in the permission table", method: method, context: context)
        }
        if case .enrollmentCode = grant { return try await next(request, context) }

        guard let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            throw refuse(
                .unauthenticated, "no device credential; enroll this device (scan-tui enroll CODE)", method: method,
                context: context)
        }
        guard header.hasPrefix("Bearer ") else {
            throw refuse(.unauthenticated, "the authorization header must be 'Bearer <token>'", method: method, context: context)
        }
        try servingState.shedWhileDatabaseFails()
        let device: DeviceIdentity
        do {
            device = try await credentials.device(token: String(header.dropFirst("Bearer ".count))) {
                token throws(StoreError) in try await store.device(token: token)
            }
        } catch .unauthenticated(let why) {
            throw refuse(.unauthenticated, why, method: method, context: context)
        } catch {
            throw RPCError(error)
        }
        if case .denied(let why) = AccessPolicy.decide(operation, caller: device, hallID: nil) {
            throw refuse(.permissionDenied, why, method: method, context: context, device: device)
        }
        return try await CallingDevice.$current.withValue(device) { try await next(request, context) }
    }

    private func refuse(
        _ code: RPCError.Code, _ why: String, method: String, context: ServerContext, device: DeviceIdentity? = nil
    ) -> RPCError {
        Self.refusal(code, why, method: method, peer: context.remotePeer, device: device, logger: logger)
    }

    /// Every UNAUTHENTICATED and PERMISSION_DENIED answer, here or in a handler's hall
    /// and terminal checks, is made by this one function: it counts
    /// `usher_auth_refusals_total{code, method}`, logs a line, and returns the error.
    static func refusal(
        _ code: RPCError.Code, _ why: String, method: String, peer: String, device: DeviceIdentity?, logger: Logger
    ) -> RPCError {
        Counter(label: "usher_auth_refusals_total", dimensions: [("code", "\(code)"), ("method", method)]).increment()
        logger.warning(
            "call refused",
            metadata: [
                "rpc": "\(method)", "peer": "\(peer)", "code": "\(code)", "why": "\(why)", "device": "\(device?.name ?? "-")",
            ])
        return RPCError(code: code, message: why)
    }
}
