import CRabbitMQ
import Foundation

/// One rabbitmq-c connection with one channel. rabbitmq-c blocks and is not
/// thread-safe, so a connection belongs to the one thread that opened it and is
/// never touched from anywhere else (hence not Sendable).
final class AMQPConnection {
    private let state: amqp_connection_state_t
    private var closed = false

    private init(state: amqp_connection_state_t) {
        self.state = state
    }

    /// Connects and logs in, waiting at most `timeout` for the broker.
    static func open(_ endpoint: AMQPEndpoint, timeout: Duration, heartbeatSeconds: Int) throws(AMQPError) -> AMQPConnection {
        var error = [CChar](repeating: 0, count: 512)
        let milliseconds = Self.milliseconds(timeout)
        guard
            let state = usher_amqp_connect(
                endpoint.host, Int32(endpoint.port), endpoint.user, endpoint.password, endpoint.virtualHost,
                milliseconds, Int32(heartbeatSeconds), &error, error.count)
        else { throw AMQPError(Self.text(error)) }
        return AMQPConnection(state: state)
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        usher_amqp_close(state)
    }

    /// The exchange and the expiry queue bound to it.
    func declareExpiry(_ topology: HoldExpiryTopology) throws(AMQPError) {
        try check { error in
            usher_amqp_declare_expiry(state, topology.exchange, topology.expiryQueue, error, 512)
        }
    }

    /// A wait queue dead-lettering into the exchange.
    func declareWait(_ queue: String, topology: HoldExpiryTopology) throws(AMQPError) {
        try check { error in usher_amqp_declare_wait(state, queue, topology.exchange, error, 512) }
    }

    func enablePublisherConfirms() throws(AMQPError) {
        try check { error in usher_amqp_confirm_select(state, error, 512) }
    }

    enum PublishOutcome {
        case confirmed
        /// The broker answered but refused it.
        case refused(String)
        /// The link is broken (or the confirm did not come in time): reconnect.
        case broken(String)
    }

    /// Publishes a persistent message to `queue` that expires after `expiration`
    /// milliseconds, and waits for the broker's confirm.
    func publish(_ body: Data, to queue: String, expirationMilliseconds: Int, confirmTimeout: Duration) -> PublishOutcome {
        var error = [CChar](repeating: 0, count: 512)
        let timeout = Self.milliseconds(confirmTimeout)
        let result = body.withUnsafeBytes { bytes in
            usher_amqp_publish_confirmed(
                state, queue, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, String(expirationMilliseconds),
                timeout, &error, error.count)
        }
        switch result {
        case 1: return .confirmed
        case 0: return .refused(Self.text(error))
        default: return .broken(Self.text(error))
        }
    }

    func consume(_ queue: String, prefetch: Int) throws(AMQPError) {
        try check { error in usher_amqp_consume(state, queue, Int32(prefetch), error, 512) }
    }

    struct Delivery {
        var body: Data
        var tag: UInt64
        var redelivered: Bool
    }

    /// The next delivery, or nil when none came within `timeout`.
    func next(timeout: Duration) throws(AMQPError) -> Delivery? {
        var error = [CChar](repeating: 0, count: 512)
        var body: UnsafeMutablePointer<CChar>?
        var length = 0
        var tag: UInt64 = 0
        var redelivered: Int32 = 0
        let milliseconds = Self.milliseconds(timeout)
        let result = usher_amqp_next(state, milliseconds, &body, &length, &tag, &redelivered, &error, error.count)
        guard result >= 0 else { throw AMQPError(Self.text(error)) }
        guard result == 1, let body else { return nil }
        defer { free(body) }
        return Delivery(body: Data(bytes: body, count: length), tag: tag, redelivered: redelivered != 0)
    }

    func ack(_ tag: UInt64) throws(AMQPError) {
        guard usher_amqp_ack(state, tag) == 0 else { throw AMQPError("ack failed: the link is broken") }
    }

    func reject(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        guard usher_amqp_reject(state, tag, requeue ? 1 : 0) == 0 else { throw AMQPError("reject failed: the link is broken") }
    }

    private func check(_ body: (UnsafeMutablePointer<CChar>) -> Int32) throws(AMQPError) {
        var error = [CChar](repeating: 0, count: 512)
        let ok = error.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        guard ok != 0 else { throw AMQPError(Self.text(error)) }
    }

    /// A timeout as the shim takes it.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The NUL-terminated message a shim call wrote.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
