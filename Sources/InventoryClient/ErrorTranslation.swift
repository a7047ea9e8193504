import Foundation
import GRPCCore

/// Turns whatever a gRPC call threw into an ``InventoryClientError`` with a
/// sentence for people. gRPC's own transport wording ("closed the connection
/// before completing the HTTP/2 connection preface") is read here and replaced.
enum ErrorTranslation {
    /// `what` names the call (its RPC name) for messages that need it.
    static func translate(
        _ error: any Error, target: String, security: InventoryClientConfiguration.Security, overallDeadline: Duration,
        what: String
    ) -> InventoryClientError {
        let usesTLS = security != .plaintext
        let untrusted =
            if case .pinned = security {
                "TLS handshake failed: the server's certificate is not the one this device pinned (a server that was re-certified, or not our server); roll the device to enroll again"
            } else {
                "TLS handshake failed: the server's certificate is not trusted by the CA given"
            }
        if error is CancellationError { return InventoryClientError(kind: .cancelled, userMessage: "cancelled") }
        guard let rpc = error as? RPCError else {
            return InventoryClientError(kind: .serverError, userMessage: "unexpected client failure (\(type(of: error)))")
        }
        let cause: String = rpc.cause.map { String(reflecting: $0) } ?? ""
        let detail = (rpc.message + " " + cause).lowercased()
        switch rpc.code {
        case .deadlineExceeded:
            return InventoryClientError(
                kind: .deadlineExceeded, userMessage: "deadline exceeded after \(seconds(overallDeadline)) s")
        case .unavailable:
            // The server's TLS alerts about *our* certificate come first.
            if detail.contains("alert_certificate_required") {
                return InventoryClientError(
                    kind: .tlsFailed, userMessage: "TLS handshake failed: the server requires a client certificate")
            }
            if detail.contains("alert_bad_certificate") || detail.contains("alert_unknown_ca")
                || detail.contains("alert_certificate_unknown")
            {
                return InventoryClientError(
                    kind: .tlsFailed, userMessage: "TLS handshake failed: the server did not accept this client's certificate")
            }
            if detail.contains("certificate_verify_failed") || detail.contains("certificate verify failed") {
                return InventoryClientError(kind: .tlsUntrusted, userMessage: untrusted)
            }
            if detail.contains("handshake") || detail.contains("ssl") || detail.contains("tls") {
                return InventoryClientError(
                    kind: .tlsFailed,
                    userMessage: usesTLS
                        ? "TLS handshake failed with \(target): is the server serving TLS?"
                        : "TLS handshake failed with \(target)")
            }
            if detail.contains("preface") || detail.contains("connection closed") || detail.contains("closed the connection") {
                return usesTLS
                    ? InventoryClientError(kind: .tlsUntrusted, userMessage: untrusted)
                    : InventoryClientError(kind: .plaintextToTLS, userMessage: "plaintext client talking to a TLS server at \(target)")
            }
            if isTransport(rpc) {
                return InventoryClientError(kind: .unreachable, userMessage: "server unreachable at \(target)")
            }
            return InventoryClientError(kind: .serverUnavailable, userMessage: "server at \(target) cannot serve now: \(rpc.message)")
        case .permissionDenied:
            return InventoryClientError(kind: .permissionDenied, userMessage: "permission denied: \(rpc.message)")
        case .unauthenticated:
            return InventoryClientError(kind: .unauthenticated, userMessage: "not authenticated: \(rpc.message)")
        case .notFound:
            return InventoryClientError(kind: .notFound, userMessage: rpc.message)
        case .failedPrecondition:
            return InventoryClientError(kind: .rejected, userMessage: rpc.message)
        case .aborted:
            return InventoryClientError(kind: .conflict, userMessage: "someone else changed this seat at the same moment; try again")
        case .invalidArgument, .outOfRange:
            return InventoryClientError(kind: .invalidRequest, userMessage: rpc.message)
        case .cancelled:
            return InventoryClientError(kind: .cancelled, userMessage: "cancelled")
        case .unimplemented:
            return InventoryClientError(
                kind: .unimplemented, userMessage: "the server at \(target) does not offer \(what) (an older server?)")
        default:
            return InventoryClientError(kind: .serverError, userMessage: "server error: \(rpc.message)")
        }
    }

    /// UNAVAILABLE raised by the client's own transport (no connection), as opposed
    /// to one the server sent (e.g. its database is down). The server's own
    /// statuses carry no cause; the transport's carry the connection error.
    private static func isTransport(_ rpc: RPCError) -> Bool {
        if rpc.cause != nil { return true }
        let message = rpc.message.lowercased()
        return ["connect", "connection", "refused", "reset", "no route", "resolve", "transport", "subchannel", "shut down", "shutdown"]
            .contains { message.contains($0) }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
