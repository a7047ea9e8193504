import Foundation
import Logging

/// The broker links. rabbitmq-c blocks, so each link runs on a thread of its own
/// (never on Swift's cooperative pool) and talks to async code through a locked
/// mailbox. Each reconnects with exponential backoff by itself.

/// Publishes hold announcements with publisher confirms.
final class PublisherLink: @unchecked Sendable {
    enum Outcome: Sendable {
        case confirmed
        case failed(String)
    }

    private struct Request {
        var message: HoldExpiryMessage
        var done: CheckedContinuation<Outcome, Never>
    }

    private let configuration: DeadLetterHoldExpiry.Configuration
    private let state: AMQPLinkState
    private let logger: Logger
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var requests: [Request] = []
    private var stopping = false
    private var exited: CheckedContinuation<Void, Never>?
    private var hasExited = false
    // Confined to the link's thread.
    private var connection: AMQPConnection?
    private var declared: Set<String> = []
    private var retryAt = ContinuousClock.now
    private var backoff: Duration

    init(configuration: DeadLetterHoldExpiry.Configuration, state: AMQPLinkState, logger: Logger) {
        self.configuration = configuration
        self.state = state
        self.logger = logger
        backoff = configuration.initialBackoff
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "amqp-publisher"
        thread.start()
    }

    /// Announces a hold; answers once the broker confirmed it or it failed.
    func publish(_ message: HoldExpiryMessage) async -> Outcome {
        await withCheckedContinuation { done in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                done.resume(returning: .failed("shutting down"))
                return
            }
            requests.append(Request(message: message, done: done))
            condition.signal()
        }
    }

    /// Stops the thread (failing what is still queued) and waits for it to end.
    func stop() async {
        await withCheckedContinuation { (exited: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            if hasExited {
                condition.unlock()
                exited.resume()
                return
            }
            self.exited = exited
            condition.signal()
            condition.unlock()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            // While down, wake up when it is time to try again, so the link (and
            // /readyz) recovers without waiting for the next reservation.
            while requests.isEmpty && !stopping {
                if connection == nil {
                    let wait = retryAt - .now
                    if wait <= .zero { break }
                    _ = condition.wait(until: Date().addingTimeInterval(Self.seconds(wait)))
                } else {
                    condition.wait()
                }
            }
            if stopping {
                let pending = requests
                requests.removeAll()
                condition.unlock()
                for request in pending { request.done.resume(returning: .failed("shutting down")) }
                connection?.close()
                connection = nil
                condition.lock()
                hasExited = true
                let exited = self.exited
                condition.unlock()
                exited?.resume()
                return
            }
            let request = requests.isEmpty ? nil : requests.removeFirst()
            condition.unlock()
            if let request {
                request.done.resume(returning: send(request.message))
            } else {
                _ = connect()
            }
        }
    }

    private func connect() -> Bool {
        if connection != nil { return true }
        guard ContinuousClock.now >= retryAt else { return false }
        do throws(AMQPError) {
            let opened = try AMQPConnection.open(configuration.endpoint, timeout: configuration.connectTimeout, heartbeatSeconds: 0)
            try opened.enablePublisherConfirms()
            connection = opened
            declared.removeAll()
            backoff = configuration.initialBackoff
            if state.set(.publisher, connected: true) {
                logger.info("hold-expiry publisher connected", metadata: ["broker": "\(configuration.endpoint)"])
            }
            return true
        } catch {
            down(error.description)
            return false
        }
    }

    private func down(_ problem: String) {
        connection?.close()
        connection = nil
        retryAt = .now + backoff
        backoff = min(backoff * 2, configuration.maximumBackoff)
        // Logged on the change only: a dead broker must not flood the log.
        if state.set(.publisher, connected: false, problem: problem) {
            logger.warning(
                "hold-expiry publisher disconnected; holds still expire through the database sweep",
                metadata: ["broker": "\(configuration.endpoint)", "problem": "\(problem)"])
        }
    }

    private func send(_ message: HoldExpiryMessage) -> Outcome {
        // Whole seconds of hold left name the wait queue; the TTL is exact, plus a
        // little so the consumer finds held_until already past.
        let remaining = max(0, message.heldUntil.timeIntervalSinceNow)
        let queue = configuration.topology.waitQueue(seconds: Int(remaining.rounded(.up)))
        let expiration = Int(remaining * 1000) + 250
        // A broken link gets one fresh connection and one more try.
        for _ in 0..<2 {
            guard connect(), let connection else { return .failed(state.status(.publisher)?.problem ?? "broker unreachable") }
            do throws(AMQPError) {
                if !declared.contains(queue) {
                    try connection.declareExpiry(configuration.topology)
                    try connection.declareWait(queue, topology: configuration.topology)
                    declared.insert(queue)
                }
            } catch {
                down(error.description)
                retryAt = .now  // the declare failed on a link that looked fine: retry at once
                continue
            }
            switch connection.publish(
                message.encoded(), to: queue, expirationMilliseconds: expiration, confirmTimeout: configuration.confirmTimeout)
            {
            case .confirmed:
                return .confirmed
            case .refused(let why):
                return .failed(why)
            case .broken(let why):
                down(why)
                retryAt = .now
            }
        }
        return .failed(state.status(.publisher)?.problem ?? "broker unreachable")
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A message taken from the expiry queue, and the connection it came on (acks
/// are only valid there).
struct ExpiryDelivery: Sendable {
    var body: Data
    var tag: UInt64
    var redelivered: Bool
    var generation: Int
}

/// Consumes the expiry queue with a bounded prefetch; acks and rejects are posted
/// back by the async side and carried out between reads.
final class ConsumerLink: @unchecked Sendable {
    private enum Command {
        case ack
        case reject(requeue: Bool)
    }

    private let configuration: DeadLetterHoldExpiry.Configuration
    private let state: AMQPLinkState
    private let logger: Logger
    private let deliveries: AsyncStream<ExpiryDelivery>.Continuation
    // Guarded by `lock`.
    private let lock = NSLock()
    private var commands: [(generation: Int, tag: UInt64, command: Command)] = []
    private var stopping = false
    private var exited: CheckedContinuation<Void, Never>?
    private var hasExited = false
    // Confined to the link's thread.
    private var connection: AMQPConnection?
    private var generation = 0
    private var backoff: Duration

    init(
        configuration: DeadLetterHoldExpiry.Configuration, state: AMQPLinkState, logger: Logger,
        deliveries: AsyncStream<ExpiryDelivery>.Continuation
    ) {
        self.configuration = configuration
        self.state = state
        self.logger = logger
        self.deliveries = deliveries
        backoff = configuration.initialBackoff
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "amqp-consumer"
        thread.start()
    }

    func ack(_ delivery: ExpiryDelivery) { post(delivery, .ack) }

    func reject(_ delivery: ExpiryDelivery, requeue: Bool) { post(delivery, .reject(requeue: requeue)) }

    private func post(_ delivery: ExpiryDelivery, _ command: Command) {
        lock.withLock { commands.append((delivery.generation, delivery.tag, command)) }
    }

    func stop() async {
        await withCheckedContinuation { (exited: CheckedContinuation<Void, Never>) in
            let already = lock.withLock { () -> Bool in
                stopping = true
                if hasExited { return true }
                self.exited = exited
                return false
            }
            if already { exited.resume() }
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func loop() {
        while !isStopping {
            guard let connection = connection ?? connect() else {
                // Down: wait out the backoff in short naps, so a stop is prompt.
                let until = ContinuousClock.now + backoff
                backoff = min(backoff * 2, configuration.maximumBackoff)
                while ContinuousClock.now < until && !isStopping { Thread.sleep(forTimeInterval: 0.05) }
                continue
            }
            do throws(AMQPError) {
                // Acks for deliveries of an older connection are void: the broker
                // has requeued those messages and will deliver them again.
                let pending = lock.withLock { () -> [(generation: Int, tag: UInt64, command: Command)] in
                    defer { commands.removeAll() }
                    return commands
                }
                for (commandGeneration, tag, command) in pending where commandGeneration == generation {
                    switch command {
                    case .ack: try connection.ack(tag)
                    case .reject(let requeue): try connection.reject(tag, requeue: requeue)
                    }
                }
                if let delivery = try connection.next(timeout: .milliseconds(100)) {
                    deliveries.yield(
                        ExpiryDelivery(body: delivery.body, tag: delivery.tag, redelivered: delivery.redelivered, generation: generation))
                }
            } catch {
                down(error.description)
            }
        }
        connection?.close()
        connection = nil
        deliveries.finish()
        let exited = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            hasExited = true
            return self.exited
        }
        exited?.resume()
    }

    private func connect() -> AMQPConnection? {
        do throws(AMQPError) {
            let opened = try AMQPConnection.open(configuration.endpoint, timeout: configuration.connectTimeout, heartbeatSeconds: 10)
            try opened.declareExpiry(configuration.topology)
            try opened.consume(configuration.topology.expiryQueue, prefetch: configuration.prefetch)
            connection = opened
            generation += 1
            backoff = configuration.initialBackoff
            if state.set(.consumer, connected: true) {
                logger.info(
                    "hold-expiry consumer connected",
                    metadata: ["broker": "\(configuration.endpoint)", "queue": "\(configuration.topology.expiryQueue)"])
            }
            return opened
        } catch {
            down(error.description)
            return nil
        }
    }

    private func down(_ problem: String) {
        connection?.close()
        connection = nil
        if state.set(.consumer, connected: false, problem: problem) {
            logger.warning(
                "hold-expiry consumer disconnected; reconnecting with backoff",
                metadata: ["broker": "\(configuration.endpoint)", "problem": "\(problem)"])
        }
    }
}
