import Foundation

/// Everything a client call can fail with, each with a sentence a door person can
/// act on. Transport details stay in the log; a raw gRPC transport message never
/// reaches ``userMessage``.
public struct InventoryClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Nothing answered at the target (refused, reset, no route).
        case unreachable
        /// The server's certificate is not signed by the configured CA.
        case tlsUntrusted
        /// TLS failed for another reason (e.g. a TLS client talking to a plaintext server).
        case tlsFailed
        /// A plaintext client reached a server that speaks TLS.
        case plaintextToTLS
        case deadlineExceeded
        /// The breaker is open: the server failed repeatedly; not even tried.
        case circuitOpen
        /// The server answered that it cannot serve now (its database is down).
        case serverUnavailable
        case permissionDenied
        case unauthenticated
        case notFound
        /// The seat is not in a state that allows this (FAILED_PRECONDITION).
        case rejected
        /// Another request changed the seat at the same moment (ABORTED): try again.
        case conflict
        case invalidRequest
        case cancelled
        case invalidConfiguration
        case serverError
        /// The server does not offer this call (UNIMPLEMENTED): an older server. Not a
        /// transport failure: the breaker stays closed and the call is not retried.
        case unimplemented
    }

    public var kind: Kind
    public var userMessage: String
    /// How many attempts were made (retries included); 0 when none was sent.
    public var attempts: Int

    public init(kind: Kind, userMessage: String, attempts: Int = 1) {
        self.kind = kind
        self.userMessage = userMessage
        self.attempts = attempts
    }

    public var description: String { userMessage }

    /// Whether the server might not have been reached: the breaker counts these
    /// as failures, and idempotent calls retry them.
    var isTransportFailure: Bool {
        switch kind {
        case .unreachable, .deadlineExceeded, .serverUnavailable, .tlsUntrusted, .tlsFailed, .plaintextToTLS: true
        default: false
        }
    }

    /// Whether repeating the same call may succeed (UNAVAILABLE / DEADLINE_EXCEEDED).
    var isRetryable: Bool {
        switch kind {
        case .unreachable, .deadlineExceeded, .serverUnavailable: true
        default: false
        }
    }

    static func invalidConfiguration(_ message: String) -> InventoryClientError {
        InventoryClientError(kind: .invalidConfiguration, userMessage: message, attempts: 0)
    }
}
