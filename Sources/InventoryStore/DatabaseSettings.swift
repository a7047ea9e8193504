import Foundation
import PostgresNIO

/// Where the server's database is, and the client settings every connection gets.
public enum DatabaseSettings {
    /// Server-side bounds sent in every connection's startup packet: a runaway
    /// statement or a transaction left open cannot hold locks for long.
    ///
    /// The bounds match the store's default 3 s call bound, because a query that is
    /// already running ignores task cancellation: the server must give up on it too.
    /// A lock wait ends sooner (55P03) than the call bound (UNAVAILABLE): ABORTED for a
    /// box-office write; a scan waits less still (MarkCheckedIn) and never says ABORTED.
    ///
    /// Isolation is pinned to READ COMMITTED: exactly-once admission relies on a
    /// re-read after a lost UPDATE race seeing the winner's commit, and on a replayed
    /// scan id seeing the original's row once its unique index entry's wait ends.
    static let startupParameters: [(String, String)] = [
        ("statement_timeout", "3s"),
        ("lock_timeout", "2s"),
        ("idle_in_transaction_session_timeout", "30s"),
        ("default_transaction_isolation", "read committed"),
        ("application_name", "usher-inventory"),
    ]

    /// For the few long transactions (migrations, venue import): lifts the
    /// per-statement bound for this transaction only.
    static let longTransactionStatement = "SET LOCAL statement_timeout = '110s'"

    /// For read-only views that must come from one snapshot (seat maps, occupancy):
    /// the first statement of the transaction, overriding the pinned READ COMMITTED
    /// for this transaction only. Every statement after it sees the same snapshot.
    static let snapshotReadStatement = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"


    static func applyDefaults(to configuration: inout PostgresClient.Configuration) {
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 20
        // Dead connections are found by keep-alive pings, not by the next RPC.
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
    }

    public enum URLError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let why): "invalid database URL: \(why)"
            }
        }
    }

    /// Parses libpq's URL, with one host or several:
    /// `postgres://user@h1:p1,h2:p2/usher?target_session_attrs=read-write`, as
    /// `pg_autoctl show uri` prints it. One configuration per host, in the URL's order
    /// (``DatabaseNodes`` finds which is the primary).
    ///
    /// `target_session_attrs` is checked, not obeyed: calls go to the primary
    /// (``DatabaseNodes/followPrimary(within:logger:)``), so a URL that asks for a
    /// standby is refused rather than quietly given the primary; the read hosts
    /// (`forReads`, `--read-url`) take any value and prefer a standby
    /// (``DatabaseNodes/followStandby(within:logger:)``). Special characters in the
    /// user or password are percent-encoded, as libpq also requires.
    public static func clientConfigurations(
        url text: String, forReads: Bool = false
    ) throws(URLError) -> [PostgresClient.Configuration] {
        // The query alone: URLComponents cannot read a host list.
        let query = text.firstIndex(of: "?").map { String(text[$0...]) } ?? ""
        let attributes = URLComponents(string: "postgres://host/" + query)?.queryItems?
            .last { $0.name == "target_session_attrs" }?.value
        switch attributes {
        case nil, "any", "read-write", "primary": break
        case "read-only", "standby", "prefer-standby":
            guard forReads else {
                throw .invalid("target_session_attrs=\(attributes ?? "") names a standby, which cannot admit; give it as --read-url")
            }
        case let other?: throw .invalid("unknown target_session_attrs \(other)")
        }
        guard let schemeEnd = text.range(of: "://") else { throw .invalid("expected postgres://user@host:port/database") }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let at = authority.lastIndex(of: "@")
        let userinfo = at.map { String(authority[...$0]) } ?? ""
        let hostList = at.map { authority[authority.index(after: $0)...] } ?? authority
        let hosts = hostList.split(separator: ",", omittingEmptySubsequences: false)
        guard hosts.count > 1 else { return [try clientConfiguration(url: text)] }
        guard hosts.count <= 8 else { throw .invalid("more than 8 hosts") }
        // Each host is read by the one-host parser, from a copy of the URL naming only it.
        let configurations = try hosts.map { host throws(URLError) in
            guard !host.isEmpty else { throw .invalid("an empty host in the host list") }
            return try clientConfiguration(
                url: String(text[..<schemeEnd.upperBound]) + userinfo + String(host) + String(rest[authorityEnd...]))
        }
        let labels = configurations.map(label)
        guard Set(labels).count == labels.count else { throw .invalid("a host is named twice") }
        return configurations
    }

    /// `host:port` (or the socket path), for logs and `/readyz`.
    public static func label(_ configuration: PostgresClient.Configuration) -> String {
        if let host = configuration.host {
            // An IPv6 address keeps its brackets, or its port would read as part of it.
            return host.contains(":") ? "[\(host)]:\(configuration.port ?? 5432)" : "\(host):\(configuration.port ?? 5432)"
        }
        return configuration.unixSocketPath ?? "database"
    }

    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
    /// `?host=/run/postgresql` selects a Unix socket directory instead of TCP.
    static func clientConfiguration(url text: String) throws(URLError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw .invalid("expected postgres://user@host:port/database") }
        guard let user = components.user, !user.isEmpty else { throw .invalid("missing user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .invalid("missing database name") }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user,
                password: components.password, database: database)
        } else {
            guard var host = components.host, !host.isEmpty else { throw .invalid("missing host") }
            // An IPv6 literal comes with its URL brackets, which a connection cannot use.
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            case let other: throw .invalid("unsupported sslmode \(other)")
            }
            configuration = .init(
                host: host, port: components.port ?? 5432, username: user,
                password: components.password, database: database, tls: tls)
        }
        applyDefaults(to: &configuration)
        return configuration
    }
}
