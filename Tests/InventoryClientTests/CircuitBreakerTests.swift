import Testing
@testable import InventoryClient
import UsherCore

@Suite("Circuit breaker and retry policy")
struct CircuitBreakerTests {
    let start = ContinuousClock.now

    @Test func opensAfterThresholdHalfOpensAndCloses() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 3, openDuration: .seconds(5)))
        #expect(breaker.permit(now: start) == .allow)
        breaker.recordFailure(now: start)
        breaker.recordFailure(now: start)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(breaker.permit(now: start) == .allow)
        breaker.recordFailure(now: start)
        #expect(breaker.state == .open(until: start + .seconds(5)))
        #expect(breaker.permit(now: start + .seconds(1)) == .reject(retryIn: .seconds(4)))
        // Cool-down over: one probe, the others still wait.
        #expect(breaker.permit(now: start + .seconds(5)) == .allowProbe)
        #expect(breaker.permit(now: start + .seconds(5)) == .reject(retryIn: .zero))
        breaker.recordSuccess()
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.permit(now: start + .seconds(6)) == .allow)
    }

    @Test func failedProbeReopens() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 1, openDuration: .seconds(2)))
        breaker.recordFailure(now: start)
        #expect(breaker.permit(now: start + .seconds(2)) == .allowProbe)
        breaker.recordFailure(now: start + .seconds(2))
        #expect(breaker.state == .open(until: start + .seconds(4)))
    }

    @Test func abandonedProbeLetsAnotherThrough() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 1, openDuration: .seconds(1)))
        breaker.recordFailure(now: start)
        #expect(breaker.permit(now: start + .seconds(1)) == .allowProbe)
        breaker.recordAbandoned()
        #expect(breaker.permit(now: start + .seconds(1)) == .allowProbe)
    }

    @Test func successResetsTheFailureCount() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 2))
        breaker.recordFailure(now: start)
        breaker.recordSuccess()
        breaker.recordFailure(now: start)
        #expect(breaker.state == .closed(consecutiveFailures: 1))
    }

    @Test func connectionStateFollowsTheBreaker() {
        #expect(ConnectionState(breaker: .closed(consecutiveFailures: 0), lastLatency: nil).status == .online)
        #expect(ConnectionState(breaker: .closed(consecutiveFailures: 1), lastLatency: nil).status == .degraded)
        #expect(ConnectionState(breaker: .halfOpen(probeInFlight: true), lastLatency: nil).status == .degraded)
        #expect(ConnectionState(breaker: .open(until: start), lastLatency: nil).status == .offline)
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        let policy = RetryPolicy(maximumAttempts: 5, initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(300))
        #expect(policy.backoff(after: 1, random: 1) == .milliseconds(50))
        #expect(policy.backoff(after: 2, random: 1) == .milliseconds(100))
        #expect(policy.backoff(after: 3, random: 1) == .milliseconds(200))
        #expect(policy.backoff(after: 4, random: 1) == .milliseconds(300))
        #expect(policy.backoff(after: 40, random: 1) == .milliseconds(300))
        #expect(policy.backoff(after: 3, random: 0.5) == .milliseconds(100))
        #expect(policy.backoff(after: 3, random: 0) == .zero)
    }

    @Test func attemptsShareTheDeadline() {
        let policy = RetryPolicy(attemptShare: 0.5)
        #expect(policy.attemptTimeout(overall: .seconds(2), remaining: .seconds(2), isLastChance: false) == .seconds(1))
        #expect(policy.attemptTimeout(overall: .seconds(2), remaining: .milliseconds(600), isLastChance: false) == .milliseconds(600))
        #expect(policy.attemptTimeout(overall: .seconds(2), remaining: .milliseconds(1500), isLastChance: true) == .milliseconds(1500))
        #expect(RetryPolicy.none.maximumAttempts == 1)
    }

    @Test func targetsParse() throws {
        let plain = try InventoryClientConfiguration(target: "door.example:50051")
        #expect(plain.host == "door.example" && plain.port == 50051)
        let v6 = try InventoryClientConfiguration(target: "[::1]:7000")
        #expect(v6.host == "::1" && v6.port == 7000 && v6.target == "[::1]:7000")
        for bad in ["nohost", ":50051", "host:", "host:0", "host:70000", "host:abc"] {
            #expect(throws: InventoryClientError.self, "\(bad)") { try InventoryClientConfiguration(target: bad) }
        }
    }
}
