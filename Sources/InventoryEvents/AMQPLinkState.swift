import Foundation
import Metrics
import Synchronization

/// Whether each broker link is up. Written by the link threads; each change is
/// passed on as a line ("amqp publisher: connected to …") to `onChange`, which the
/// server feeds into its one serving status (/readyz), and to the
/// `usher_amqp_connected` gauge.
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
    private let onChange: @Sendable (Link, String) -> Void

    public init(endpoint: String, onChange: @escaping @Sendable (Link, String) -> Void = { _, _ in }) {
        self.endpoint = endpoint
        self.onChange = onChange
        for link in Link.allCases { onChange(link, line(link, nil)) }
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
        onChange(link, line(link, status(link)))
        return changed
    }

    /// The link's line for /readyz: "amqp publisher: connected to amqp://…".
    private func line(_ link: Link, _ status: Status?) -> String {
        guard let status else { return "amqp \(link.rawValue): connecting to \(endpoint)" }
        return status.connected
            ? "amqp \(link.rawValue): connected to \(endpoint)"
            : "amqp \(link.rawValue): down (\(status.problem ?? "not connected")); holds still expire through the database sweep"
    }
}
