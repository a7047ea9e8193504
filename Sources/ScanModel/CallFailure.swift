/// A call the terminal asked for that ended without a usable answer, as the model
/// needs to know it. The shell translates the client's error into this, so the
/// model depends on no transport.
public struct CallFailure: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// No answer: unreachable, UNAVAILABLE, a deadline, the breaker open. The
        /// server may have acted; a scan is retried under its own id.
        case unanswered
        /// The server does not offer this call (an older server).
        case unsupported
        /// The server answered with an error (bad request, permission, TLS trouble…).
        case failed
    }

    public var kind: Kind
    /// A sentence staff can act on.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
