import Logging
import UsherCore

/// How to reach the inventory server and how patient to be.
public struct InventoryClientConfiguration: Sendable {
    public enum Security: Sendable, Hashable {
        case plaintext
        /// TLS, trusting only `caCertificate` (a PEM file). With `clientCertificate`
        /// the client also proves itself (mutual TLS).
        case tls(caCertificate: String, clientCertificate: ClientCertificate? = nil)
        /// TLS, trusting exactly the server certificate with this SHA-256 (an enrolled
        /// device's pin): no CA, no host name check.
        case pinned(CertificateFingerprint)
    }

    /// A client certificate chain and its key, PEM files.
    public struct ClientCertificate: Sendable, Hashable {
        public var certificateChain: String
        public var privateKey: String
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// The overall time a caller waits for each kind of call, retries included.
    public struct Deadlines: Sendable, Hashable {
        /// VerifyTicket and MarkCheckedIn: a door cannot keep a guest waiting.
        public var scan: Duration
        /// GetSeatOwner, health, keys.
        public var read: Duration
        /// ReserveSeat, ReleaseSeat, ConfirmSeat, UpdateOwner.
        public var write: Duration
        /// SyncDoor: a first sync carries a whole hall (20,000 seats is ~1 MB).
        public var sync: Duration

        public init(
            scan: Duration = .milliseconds(1500), read: Duration = .seconds(3), write: Duration = .seconds(5),
            sync: Duration = .seconds(10)
        ) {
            self.scan = scan
            self.read = read
            self.write = write
            self.sync = sync
        }
    }

    /// Every server of the venue, in the order they are tried: calls go to the
    /// first that answers and stay there until it stops answering (at least one).
    public private(set) var servers: [Endpoint]
    /// The first server's host and port.
    public var host: String {
        get { servers[0].host }
        set { servers[0].host = newValue }
    }
    public var port: Int {
        get { servers[0].port }
        set { servers[0].port = newValue }
    }
    public var security: Security
    /// The device's token (``DeviceCredential``), sent with every call; nil sends none.
    public var credential: String?
    public var deadlines: Deadlines
    public var retry: RetryPolicy
    public var breaker: CircuitBreaker.Configuration
    public var logger: Logger

    public init(
        host: String, port: Int, security: Security = .plaintext, credential: String? = nil, deadlines: Deadlines = .init(),
        retry: RetryPolicy = .init(), breaker: CircuitBreaker.Configuration = .init(),
        logger: Logger = Logger(label: "usher.inventory-client")
    ) {
        self.servers = [Endpoint(host: host, port: port)]
        self.security = security
        self.credential = credential
        self.deadlines = deadlines
        self.retry = retry
        self.breaker = breaker
        self.logger = logger
    }

    /// Parses `host:port`, or several separated by commas (`a:50051,b:50051`), the
    /// servers of one venue in the order to try them; `[::1]:50051` for IPv6.
    public init(target: String, security: Security = .plaintext) throws(InventoryClientError) {
        var servers: [Endpoint] = []
        for part in target.split(separator: ",", omittingEmptySubsequences: false) {
            let endpoint = try Endpoint(parsing: part.trimmingCharacters(in: .whitespaces))
            guard !servers.contains(endpoint) else {
                throw .invalidConfiguration("server \(endpoint) is named twice in \(target)")
            }
            servers.append(endpoint)
        }
        self.init(host: servers[0].host, port: servers[0].port, security: security)
        self.servers = servers
    }

    /// The servers as `--server` takes them.
    public var target: String { servers.map(\.description).joined(separator: ",") }
}

/// One server's address.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[::1]:50051` for IPv6).
    init(parsing target: String) throws(InventoryClientError) {
        let host: Substring
        let portText: Substring
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            host = target[target.index(after: target.startIndex)..<close]
            portText = target[close...].dropFirst().drop { $0 == ":" }
        } else if let colon = target.lastIndex(of: ":") {
            host = target[..<colon]
            portText = target[target.index(after: colon)...]
        } else {
            throw .invalidConfiguration("a server must be host:port, got \(target)")
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
            throw .invalidConfiguration("a server must be host:port, got \(target)")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
