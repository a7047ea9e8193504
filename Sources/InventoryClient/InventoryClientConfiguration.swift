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

    public var host: String
    public var port: Int
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
        self.host = host
        self.port = port
        self.security = security
        self.credential = credential
        self.deadlines = deadlines
        self.retry = retry
        self.breaker = breaker
        self.logger = logger
    }

    /// Parses `host:port` (`[::1]:50051` for IPv6).
    public init(target: String, security: Security = .plaintext) throws(InventoryClientError) {
        let host: Substring
        let portText: Substring
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            host = target[target.index(after: target.startIndex)..<close]
            portText = target[close...].dropFirst().drop { $0 == ":" }
        } else if let colon = target.lastIndex(of: ":") {
            host = target[..<colon]
            portText = target[target.index(after: colon)...]
        } else {
            throw .invalidConfiguration("target must be host:port, got \(target)")
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
            throw .invalidConfiguration("target must be host:port, got \(target)")
        }
        self.init(host: String(host), port: port, security: security)
    }

    public var target: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
