import Foundation
import InventoryStore
import Logging
import Metrics
import ServiceLifecycle

/// Hold expiry through RabbitMQ dead-lettering. ReserveSeat announces each hold
/// (``holdPlaced``) as a persistent message that waits out the hold's TTL in a wait
/// queue; the broker then dead-letters it into the expiry queue, and this service
/// releases the seat if, and only if, it is still held by that very hold.
///
/// The broker is an accelerator, never a dependency: when it is down, holds are
/// still placed and the database sweep releases them on time.
public final class DeadLetterHoldExpiry: Service, HoldExpiryScheduling, Sendable {
    public struct Configuration: Sendable {
        public var endpoint: AMQPEndpoint
        public var topology: HoldExpiryTopology
        /// Unacknowledged deliveries the broker may push at once.
        public var prefetch = 32
        /// Deliveries of one message that fail on the database before it is left to
        /// the sweeper (acked and logged), so a poison message cannot loop forever.
        public var maximumAttempts = 5
        public var connectTimeout: Duration = .milliseconds(500)
        public var confirmTimeout: Duration = .seconds(1)
        public var initialBackoff: Duration = .milliseconds(200)
        public var maximumBackoff: Duration = .seconds(10)

        public init(endpoint: AMQPEndpoint, topology: HoldExpiryTopology) {
            self.endpoint = endpoint
            self.topology = topology
        }
    }

    public let state: AMQPLinkState
    private let store: InventoryStore
    private let logger: Logger
    private let publisher: PublisherLink
    private let consumer: ConsumerLink
    private let deliveries: AsyncStream<ExpiryDelivery>
    private let maximumAttempts: Int

    /// `onLinkChange` hears each link's line for /readyz whenever it changes.
    public init(
        configuration: Configuration, store: InventoryStore, logger: Logger,
        onLinkChange: @escaping @Sendable (AMQPLinkState.Link, String) -> Void = { _, _ in }
    ) {
        let state = AMQPLinkState(endpoint: configuration.endpoint.description, onChange: onLinkChange)
        let (deliveries, sink) = AsyncStream<ExpiryDelivery>.makeStream(bufferingPolicy: .unbounded)
        self.state = state
        self.store = store
        self.logger = logger
        self.deliveries = deliveries
        self.maximumAttempts = configuration.maximumAttempts
        publisher = PublisherLink(configuration: configuration, state: state, logger: logger)
        consumer = ConsumerLink(configuration: configuration, state: state, logger: logger, deliveries: sink)
    }

    /// Called by ReserveSeat after its transaction committed. A failure is counted
    /// and otherwise ignored: the reservation stands and the sweep will expire it.
    public func holdPlaced(seatID: String, until: Date, revision: Int64) async {
        let outcome = await publisher.publish(HoldExpiryMessage(seatID: seatID, holdToken: revision, heldUntil: until))
        switch outcome {
        case .confirmed:
            Counter(label: "usher_hold_expiry_published_total", dimensions: [("outcome", "confirmed")]).increment()
        case .failed(let why):
            Counter(label: "usher_hold_expiry_published_total", dimensions: [("outcome", "failed")]).increment()
            logger.debug("hold not announced to the broker", metadata: ["seat": "\(seatID)", "problem": "\(why)"])
        }
    }

    public func run() async throws {
        publisher.start()
        consumer.start()
        // Until graceful shutdown: the stream ends when this task is cancelled.
        await cancelWhenGracefulShutdown {
            var attempts: [String: Int] = [:]
            for await delivery in self.deliveries {
                await self.handle(delivery, attempts: &attempts)
            }
        }
        await publisher.stop()
        await consumer.stop()
    }

    /// Releases the seat when the message's hold is still the seat's hold and has
    /// run out; otherwise does nothing. Acks after the database commit.
    private func handle(_ delivery: ExpiryDelivery, attempts: inout [String: Int]) async {
        guard let message = HoldExpiryMessage.decode(delivery.body) else {
            logger.error("dropped an unreadable hold-expiry message", metadata: ["bytes": "\(delivery.body.count)"])
            count("malformed")
            consumer.ack(delivery)
            return
        }
        let key = "\(message.seatID)#\(message.holdToken)"
        do {
            let released = try await store.releaseHold(seatID: message.seatID, holdToken: message.holdToken)
            consumer.ack(delivery)
            attempts[key] = nil
            if released {
                count("released")
                Counter(label: "usher_holds_expired_total", dimensions: [("path", "dead-letter")]).increment()
                logger.info("hold expired", metadata: ["seat": "\(message.seatID)", "path": "dead-letter"])
            } else {
                // Sold, released, renewed or held again since: this message is stale.
                count("stale")
            }
        } catch {
            let tries = attempts[key, default: 0] + 1
            attempts[key] = tries
            if tries >= maximumAttempts {
                attempts[key] = nil
                count("abandoned")
                logger.error(
                    "gave up on a hold-expiry message; the database sweep will release the seat",
                    metadata: ["seat": "\(message.seatID)", "attempts": "\(tries)", "error": "\(error)"])
                consumer.ack(delivery)
            } else {
                count("requeued")
                logger.warning(
                    "hold-expiry release failed; requeued", metadata: ["seat": "\(message.seatID)", "error": "\(error)"])
                // A pause before the broker hands it back, growing with each try.
                try? await Task.sleep(for: .milliseconds(200 * tries))
                consumer.reject(delivery, requeue: true)
            }
        }
    }

    private func count(_ outcome: String) {
        Counter(label: "usher_hold_expiry_messages_total", dimensions: [("outcome", outcome)]).increment()
    }
}
