import Foundation

/// Where the broker is: `amqp://user:password@host:port/vhost` (RabbitMQ's URI
/// scheme). Defaults: guest/guest, port 5672, vhost "/". The password never
/// appears in ``description``.
public struct AMQPEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String

    public init(url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url), components.scheme == "amqp",
            let host = components.host, !host.isEmpty
        else {
            throw AMQPError("the AMQP URL must look like amqp://user:password@host:5672/vhost (amqps is not supported)")
        }
        self.host = host
        port = components.port ?? 5672
        guard (1...65535).contains(port) else { throw AMQPError("the AMQP port must be 1-65535") }
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "guest"
        password = components.password.flatMap { $0.removingPercentEncoding } ?? "guest"
        // "/" is the default vhost; "/%2F" names it explicitly; "/name" is "name".
        let path = components.percentEncodedPath
        virtualHost = path.isEmpty || path == "/" ? "/" : String(path.dropFirst()).removingPercentEncoding ?? "/"
    }

    public var description: String { "amqp://\(user)@\(host):\(port)/\(virtualHost == "/" ? "" : virtualHost)" }
}

/// A broker failure, as a sentence for the log and /readyz.
public struct AMQPError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The durable names, all under one prefix so several deployments can share a broker:
/// - `<prefix>.hold-wait.<N>s`: wait queues, one per hold length. A message expires
///   after its hold's TTL and is dead-lettered. (RabbitMQ expires messages only at
///   the head of a queue, so one queue of mixed lengths would hold a short hold
///   behind a long one; per length, first in is first out.)
/// - `<prefix>.hold-expired`: the fanout exchange they are dead-lettered to;
/// - `<prefix>.hold-expiry`: the queue bound to it, which the server consumes.
public struct HoldExpiryTopology: Sendable, Hashable {
    public var prefix: String

    public init(prefix: String = "usher") throws(AMQPError) {
        guard !prefix.isEmpty, prefix.count <= 64,
            prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw AMQPError("the AMQP prefix must be 1-64 characters of letters, digits, '.', '_' or '-'") }
        self.prefix = prefix
    }

    public var exchange: String { "\(prefix).hold-expired" }
    public var expiryQueue: String { "\(prefix).hold-expiry" }
    public func waitQueue(seconds: Int) -> String { "\(prefix).hold-wait.\(seconds)s" }
}

/// What a wait queue carries: one exact hold. `holdToken` is the seat's revision
/// when the hold was placed; any later change to the seat (a sale, a release, a
/// renewal, someone else's hold) moves the revision, so a late or repeated message
/// can never release anything but the hold it was sent for.
public struct HoldExpiryMessage: Codable, Sendable, Hashable {
    public var seatID: String
    public var holdToken: Int64
    public var heldUntil: Date

    enum CodingKeys: String, CodingKey {
        case seatID = "seat_id"
        case holdToken = "hold_token"
        case heldUntil = "held_until"
    }

    public init(seatID: String, holdToken: Int64, heldUntil: Date) {
        self.seatID = seatID
        self.holdToken = holdToken
        self.heldUntil = heldUntil
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)) ?? Data()
    }

    static func decode(_ data: Data) -> HoldExpiryMessage? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(HoldExpiryMessage.self, from: data)
    }
}
