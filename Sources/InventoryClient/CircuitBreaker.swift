/// The circuit breaker, as a value: events in, decisions out; the client does the
/// I/O and the clock reading.
///
/// closed ──(N failures in a row)──▶ open ──(cool-down over)──▶ half-open
///    ▲                                ▲                             │
///    └──────────(probe succeeds)──────┼──────(probe fails)──────────┘
///
/// While open, calls fail fast instead of making a door wait for a deadline.
/// Half-open lets one probe through; the rest still fail fast until it answers.
public struct CircuitBreaker: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// Consecutive transport failures that open the circuit.
        public var failureThreshold: Int
        /// How long it stays open before a probe is let through.
        public var openDuration: Duration

        public init(failureThreshold: Int = 3, openDuration: Duration = .seconds(5)) {
            self.failureThreshold = max(1, failureThreshold)
            self.openDuration = openDuration
        }
    }

    public enum State: Sendable, Hashable {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen(probeInFlight: Bool)
    }

    public enum Decision: Sendable, Hashable {
        case allow
        /// The one call that tests a half-open circuit.
        case allowProbe
        case reject(retryIn: Duration)
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed(consecutiveFailures: 0)

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// May a call go out now?
    public mutating func permit(now: ContinuousClock.Instant) -> Decision {
        switch state {
        case .closed:
            return .allow
        case .open(let until):
            guard now >= until else { return .reject(retryIn: until - now) }
            state = .halfOpen(probeInFlight: true)
            return .allowProbe
        case .halfOpen(let probeInFlight):
            guard !probeInFlight else { return .reject(retryIn: .zero) }
            state = .halfOpen(probeInFlight: true)
            return .allowProbe
        }
    }

    /// The server answered (whatever it said): it is reachable.
    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    /// The call could not reach the server (unavailable, deadline exceeded).
    public mutating func recordFailure(now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            let count = failures + 1
            state = count >= configuration.failureThreshold ? .open(until: now + configuration.openDuration) : .closed(consecutiveFailures: count)
        case .halfOpen, .open:
            state = .open(until: now + configuration.openDuration)
        }
    }

    /// A permitted call ended without a verdict on reachability (cancelled): let
    /// another probe through instead of waiting forever for this one.
    public mutating func recordAbandoned() {
        if case .halfOpen = state { state = .halfOpen(probeInFlight: false) }
    }
}
