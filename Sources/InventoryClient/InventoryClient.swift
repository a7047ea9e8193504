import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryProto
import Logging
import Synchronization
import UsherCore

/// Runs `body` with a connected client, then closes it: the channel shuts down and
/// no task outlives this call. The channel reconnects on its own while open.
public func withInventoryClient<Result: Sendable>(
    _ configuration: InventoryClientConfiguration,
    _ body: (InventoryClient) async throws -> Result
) async throws -> Result {
    var transports: [HTTP2ClientTransport.Posix] = []
    for server in configuration.servers {
        do {
            transports.append(try configuration.makeTransport(to: server))
        } catch {
            throw InventoryClientError.invalidConfiguration("cannot set up a connection to \(server): \(error)")
        }
    }
    let interceptors: [any ClientInterceptor] = configuration.credential.map { [CredentialInterceptor(token: $0)] } ?? []
    return try await withGRPCClients(transports[...], interceptors: interceptors) { grpcs in
        let client = InventoryClient(configuration: configuration, grpcs: grpcs)
        defer { client.states.finish() }
        return try await body(client)
    }
}

/// One running gRPC client per server, all closed when `body` returns.
private func withGRPCClients<Result: Sendable>(
    _ transports: ArraySlice<HTTP2ClientTransport.Posix>, interceptors: [any ClientInterceptor],
    running: [GRPCClient<HTTP2ClientTransport.Posix>] = [],
    _ body: ([GRPCClient<HTTP2ClientTransport.Posix>]) async throws -> Result
) async throws -> Result {
    guard let transport = transports.first else { return try await body(running) }
    return try await withGRPCClient(transport: transport, interceptors: interceptors) { grpc in
        try await withGRPCClients(transports.dropFirst(), interceptors: interceptors, running: running + [grpc], body)
    }
}

/// Whether a host is an IPv4 or IPv6 address literal (inet_pton decides).
enum IPLiteral {
    case v4, v6

    init?(_ host: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self = .v4
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            self = .v6
        } else {
            return nil
        }
    }
}

/// A full seat map of a large hall (ListHallSeats with cursor 0) can exceed gRPC's
/// default 4 MiB receive limit, so every call may receive up to 64 MiB.
///
/// HTTP2ClientTransport.Posix.Config has no payload limit; it comes from the
/// method config. Both limits are set on purpose: grpc-swift-nio-transport 2.9.2
/// sizes the client's response decoder from `maxRequestMessageBytes` (default
/// 4 MiB) and does not read `maxResponseMessageBytes`, which is the documented knob
/// and what a later transport may use. Requests stay small either way: the server
/// refuses requests over 64 KiB.
private let largeResponses = ServiceConfig(
    methodConfig: [
        MethodConfig(
            names: [MethodConfig.Name(service: "")],  // the default for every method
            maxRequestMessageBytes: 64 * 1024 * 1024,
            maxResponseMessageBytes: 64 * 1024 * 1024)
    ])

extension InventoryClientConfiguration {
    /// The HTTP/2 transport to a server (the first, by default): the one way to
    /// reach it, for this client and for tools that also speak the raw generated API
    /// (the bench).
    public func makeTransport(to server: Endpoint? = nil) throws -> HTTP2ClientTransport.Posix {
        let (host, port) = ((server ?? servers[0]).host, (server ?? servers[0]).port)
        let config = HTTP2ClientTransport.Posix.Config.defaults { config in
            // Reconnect quickly after a server restart: doors should not wait long.
            config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
            config.connection.maxIdleTime = nil
        }
        // An IP address is a literal target, not a name to resolve: with a DNS target
        // the transport sends the address as the TLS server name (SNI), which TLS
        // forbids, and the handshake fails before it starts.
        switch IPLiteral(host) {
        case .v4:
            return try HTTP2ClientTransport.Posix(
                target: .ipv4(address: host, port: port), transportSecurity: transportSecurity, config: config,
                serviceConfig: largeResponses)
        case .v6:
            return try HTTP2ClientTransport.Posix(
                target: .ipv6(address: host, port: port), transportSecurity: transportSecurity, config: config,
                serviceConfig: largeResponses)
        case nil:
            return try HTTP2ClientTransport.Posix(
                target: .dns(host: host, port: port), transportSecurity: transportSecurity, config: config,
                serviceConfig: largeResponses)
        }
    }

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        switch security {
        case .plaintext:
            return .plaintext
        case .tls(let ca, let clientCertificate?):
            return .mTLS(
                certificateChain: [.file(path: clientCertificate.certificateChain, format: .pem)],
                privateKey: .file(path: clientCertificate.privateKey, format: .pem)
            ) { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
        case .tls(let ca, nil):
            return .tls { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
        case .pinned(let fingerprint):
            return .tls { $0.customVerificationCallback = PinnedCertificate.verifier(fingerprint) }
        }
    }
}

/// Where a scan happens.
public struct Door: Sendable, Hashable {
    public var hallID: String
    /// The one event this door admits (`--event`); nil admits whichever of the hall's
    /// events has its window open.
    public var eventID: String?
    public var staffID: String
    public var terminalID: String

    public init(hallID: String, eventID: String? = nil, staffID: String, terminalID: String) {
        self.hallID = hallID
        self.eventID = eventID
        self.staffID = staffID
        self.terminalID = terminalID
    }
}

/// A typed, resilient client for `inventory.InventoryService`.
///
/// - Deadlines per call kind (``InventoryClientConfiguration/Deadlines``).
/// - Retries (backoff with jitter, within the deadline) only where repeating is
///   safe: reads, VerifyTicket, and MarkCheckedIn, whose `scan_id` turns a repeat
///   into a replay of the first answer. Never ReserveSeat, ReleaseSeat,
///   ConfirmSeat or UpdateOwner.
/// - Several servers (``InventoryClientConfiguration/servers``): calls go to the
///   one that answered last; one that stops answering is left for the next, within
///   the same call's deadline, and a retried scan keeps its `scan_id` on whichever
///   server takes it. Each server has its own circuit breaker.
/// - The link's state, and which server answered, published as ``connectionStates``.
public final class InventoryClient: Sendable {
    public let configuration: InventoryClientConfiguration
    let servers: [Server]
    /// The server calls go to first: the one that answered last, or the next after it failed.
    let preferred = Mutex(0)
    /// The server that answered last (nil before any answer): what the status shows.
    let answered = Mutex<Int?>(nil)
    let lastLatency = Mutex<Duration?>(nil)
    let states: ConnectionStateBroadcaster

    /// One server: its stubs and its breaker.
    final class Server: Sendable {
        let endpoint: Endpoint
        let inventory: Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>
        let health: Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
        let breaker: Mutex<CircuitBreaker>

        init(endpoint: Endpoint, grpc: GRPCClient<HTTP2ClientTransport.Posix>, breaker: CircuitBreaker.Configuration) {
            self.endpoint = endpoint
            self.inventory = Inventory_InventoryService.Client(wrapping: grpc)
            self.health = Grpc_Health_V1_Health.Client(wrapping: grpc)
            self.breaker = Mutex(CircuitBreaker(configuration: breaker))
        }
    }

    init(configuration: InventoryClientConfiguration, grpcs: [GRPCClient<HTTP2ClientTransport.Posix>]) {
        self.configuration = configuration
        self.servers = zip(configuration.servers, grpcs).map {
            Server(endpoint: $0, grpc: $1, breaker: configuration.breaker)
        }
        self.states = ConnectionStateBroadcaster(initial: ConnectionState(status: .online))
    }

    /// The current state of the link, then every change, until the client closes.
    public var connectionStates: AsyncStream<ConnectionState> { states.stream() }
    public var connectionState: ConnectionState { states.current }

    /// Runs one logical call: a server whose breaker lets it through, attempts with
    /// their timeouts, retries for idempotent calls (on the next server when this one
    /// did not answer), error translation, breaker and state updates.
    func perform<Response: Sendable>(
        _ name: String, kind: CallKind, deadline: Duration,
        _ call: @Sendable (Server, CallOptions) async throws -> Response
    ) async throws(InventoryClientError) -> Response {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        let policy = kind == .idempotent ? configuration.retry : .none
        var attempt = 0
        var lastFailure: InventoryClientError?
        // Servers this call has not tried yet: moving on to one of them needs no pause.
        var untried = Set(servers.indices)
        while true {
            attempt += 1
            let pick = choose(now: clock.now)
            guard case .server(let index) = pick else {
                publishState()
                // This call's own failures opened the circuits: report what happened.
                if let lastFailure { throw finalError(lastFailure, deadline) }
                guard case .reject(let retryIn) = pick else { preconditionFailure("choose returns a server or a pause") }
                throw InventoryClientError(
                    kind: .circuitOpen,
                    userMessage: "\(servers.count == 1 ? "server at \(configuration.target) is" : "no server (\(configuration.target)) is") "
                        + "answering; trying again in \(ErrorTranslation.seconds(retryIn)) s",
                    attempts: attempt - 1)
            }
            let server = servers[index]
            untried.remove(index)
            let remaining = end - clock.now
            var options = CallOptions.defaults
            options.timeout = policy.attemptTimeout(
                overall: deadline, remaining: remaining, isLastChance: attempt >= policy.maximumAttempts)
            let started = clock.now
            do {
                try Task.checkCancellation()
                let response = try await call(server, options)
                let latency = clock.now - started
                lastLatency.withLock { $0 = latency }
                server.breaker.withLock { $0.recordSuccess() }
                preferred.withLock { $0 = index }
                answered.withLock { $0 = index }
                publishState()
                return response
            } catch {
                if Task.isCancelled || error is CancellationError {
                    server.breaker.withLock { $0.recordAbandoned() }
                    publishState()
                    throw InventoryClientError(kind: .cancelled, userMessage: "cancelled", attempts: attempt)
                }
                var failure = ErrorTranslation.translate(
                    error, target: server.endpoint.description, security: configuration.security, overallDeadline: deadline,
                    what: name)
                failure.attempts = attempt
                server.breaker.withLock { breaker in
                    if failure.isTransportFailure { breaker.recordFailure(now: clock.now) } else { breaker.recordSuccess() }
                }
                // The next call (and this one's retry) starts at the next server.
                if failure.isRetryable { preferred.withLock { if $0 == index { $0 = (index + 1) % servers.count } } }
                publishState()
                configuration.logger.debug(
                    "call failed",
                    metadata: [
                        "rpc": "\(name)", "server": "\(server.endpoint)", "attempt": "\(attempt)",
                        "error": "\(String(reflecting: error))",
                    ])
                guard failure.isRetryable, attempt < policy.maximumAttempts else { throw finalError(failure, deadline) }
                lastFailure = failure
                // Another server this call has not tried: go at once. Else back off.
                let next = preferred.withLock { $0 }
                let pause = untried.contains(next) ? .zero : policy.backoff(after: attempt, random: Double.random(in: 0...1))
                guard clock.now + pause < end else { throw finalError(failure, deadline) }
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw InventoryClientError(kind: .cancelled, userMessage: "cancelled", attempts: attempt)
                }
            }
        }
    }

    private enum Pick {
        case server(Int)
        /// Every breaker is open: the soonest one lets a call through after this.
        case reject(retryIn: Duration)
    }

    /// The preferred server if its breaker lets the call through, else the next one
    /// in order that does.
    private func choose(now: ContinuousClock.Instant) -> Pick {
        let first = preferred.withLock { $0 }
        var soonest: Duration?
        for offset in servers.indices {
            let index = (first + offset) % servers.count
            switch servers[index].breaker.withLock({ $0.permit(now: now) }) {
            case .reject(let retryIn): soonest = min(soonest ?? retryIn, retryIn)
            default: return .server(index)
            }
        }
        return .reject(retryIn: soonest ?? .zero)
    }

    /// A per-attempt timeout is reported as the caller's whole deadline running out.
    private func finalError(_ failure: InventoryClientError, _ deadline: Duration) -> InventoryClientError {
        guard failure.kind == .deadlineExceeded else { return failure }
        var error = failure
        error.userMessage = "deadline exceeded after \(ErrorTranslation.seconds(deadline)) s"
        return error
    }

    /// The link as the door sees it: the server that answered last, through its
    /// breaker (a failing one shows as degraded until another answers).
    private func publishState() {
        let server = servers[answered.withLock { $0 } ?? preferred.withLock { $0 }]
        var state = ConnectionState(breaker: server.breaker.withLock { $0.state }, lastLatency: lastLatency.withLock { $0 })
        if servers.count > 1 { state.server = server.endpoint.description }
        states.publish(state)
    }
}
