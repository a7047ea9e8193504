/// What a door screen shows about the link to the server.
public struct ConnectionState: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        /// Calls are answered.
        case online
        /// Calls have failed recently, or the breaker is testing the server again.
        case degraded
        /// The breaker is open: calls fail fast until the next probe.
        case offline
    }

    public var status: Status
    /// The round trip of the last answered call.
    public var lastLatency: Duration?
    /// Which server calls go to, when the terminal knows several (`host:port`).
    public var server: String?

    public init(status: Status, lastLatency: Duration? = nil, server: String? = nil) {
        self.status = status
        self.lastLatency = lastLatency
        self.server = server
    }
}
