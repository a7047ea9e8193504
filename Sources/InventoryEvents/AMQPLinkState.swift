import Foundation
import Metrics
import Synchronization

/// Whether each broker link is up, for /readyz and the metrics. Written by the
/// link threads, read by anyone.
public final class AMQPLinkState: Sendable {
    public enum Link: String, Sendable, CaseIterable {
        case publisher
        case consumer
    }

    public struct Status: Sendable, Hashable {
        public var connected: Bool
        /// Why it is down (nil while connected, or before the first attempt).
        public var problem: String?
        public var since: Date
    }

    private let statuses = Mutex<[Link: Status]>([:])
    let endpoint: String

    init(endpoint: String) {
        self.endpoint = endpoint
    }

    public func status(_ link: Link) -> Status? { statuses.withLock { $0[link] } }

    /// Records a change; returns true when it is one (so failures are logged once,
    /// not on every retry).
    @discardableResult
    func set(_ link: Link, connected: Bool, problem: String? = nil) -> Bool {
        let changed = statuses.withLock { statuses -> Bool in
            let old = statuses[link]
            if old?.connected == connected && (connected || old?.problem == problem) { return false }
            statuses[link] = Status(connected: connected, problem: problem, since: Date())
            return old?.connected != connected || old == nil
        }
        Gauge(label: "usher_amqp_connected", dimensions: [("link", link.rawValue)]).record(connected ? 1 : 0)
        return changed
    }

    /// One line per link for /readyz: "amqp publisher: connected to amqp://…".
    public var summary: String {
        Link.allCases.map { link in
            guard let status = status(link) else { return "amqp \(link.rawValue): connecting to \(endpoint)" }
            return status.connected
                ? "amqp \(link.rawValue): connected to \(endpoint)"
                : "amqp \(link.rawValue): down (\(status.problem ?? "not connected")); holds still expire through the database sweep"
        }.joined(separator: "\n")
    }
}
