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
        /// The server answered with an error that says it acted on nothing (a bad
        /// request, a refused permission, TLS trouble…).
        case failed
        /// The server answered, but with an internal error or an answer this terminal
        /// cannot read (a newer server's verdict): it may have acted on the scan, so
        /// a scan is retried under its own id, as after no answer. The link is fine.
        case unclear
    }

    public var kind: Kind
    /// A sentence staff can act on.
    public var message: String

    /// The server may have acted on the call: a scan read again is the same scan.
    public var mayHaveActed: Bool { kind == .unanswered || kind == .unclear }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
