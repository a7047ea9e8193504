import GRPCCore
import Metrics

/// Counts every RPC by method and final status code, and times it. Streaming
/// responses are timed to their last message, not to the handler's return.
struct RPCMetricsInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let start = ContinuousClock.now
        let record: @Sendable (String) -> Void = { code in
            Counter(label: "usher_rpc_requests_total", dimensions: [("method", method), ("code", code)]).increment()
            Timer(label: "usher_rpc_duration_seconds", dimensions: [("method", method)], preferredDisplayUnit: .seconds)
                .recordInterval(since: start)
        }
        let response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            record(Self.codeName(of: error))
            throw error
        }
        switch response.accepted {
        case .failure(let error):
            record(Self.codeName(of: error))
            return response
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await producer(writer)
                    record("ok")
                    return trailers
                } catch {
                    record(Self.codeName(of: error))
                    throw error
                }
            }
            return StreamingServerResponse(accepted: .success(contents))
        }
    }

    static func codeName(of error: any Error) -> String {
        if let rpc = error as? RPCError { return "\(rpc.code)" }
        if let convertible = error as? any RPCErrorConvertible { return "\(convertible.rpcErrorCode)" }
        return "unknown"
    }
}

extension Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
