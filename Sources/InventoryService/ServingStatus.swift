import InventoryStore

/// Whether the server can do its job right now, and why not: the one answer that
/// grpc.health.v1, `/readyz` and the `usher_serving` metric all read.
///
/// A value-type state machine. Its inputs are the database probe's outcomes
/// (``DatabaseHealthMonitor``), the broker links and the drain; each event returns
/// whether the serving answer changed, and ``ServingState`` (the shared holder)
/// tells watchers.
public struct ServingStatus: Sendable, Equatable {
    public enum Database: Sendable, Equatable {
        /// Not probed yet (start-up).
        case unknown
        case answering
        /// The last probe failed or did not answer within its bound.
        case failing(String)
    }

    public private(set) var database: Database = .unknown
    /// One line per broker link ("amqp publisher: connected to …"), by link name.
    /// Detail only: the server serves correctly without the broker (the sweep
    /// expires holds), so the links never decide ``isServing``.
    public private(set) var links: [String: String] = [:]
    public private(set) var draining = false
    /// Set while the database's primary has no synchronous standby (an admission is
    /// then on one machine only): supervisors' views show it. Never decides ``isServing``.
    public private(set) var warning: String?
    public static let noSynchronousStandby = "degraded: no synchronous standby"

    public init() {}

    public var isServing: Bool { !draining && database == .answering }

    /// Why not serving, for `/readyz` and the log; nil while serving.
    public var problem: String? {
        if draining { return "shutting down" }
        switch database {
        case .answering: return nil
        case .unknown: return "starting: database not checked yet"
        case .failing(let why): return "database unavailable: \(why)"
        }
    }

    /// What `/readyz` shows: the verdict line, then the links' lines.
    public var report: String {
        ([problem.map { "not ready: \($0)" } ?? "ready"] + links.keys.sorted().compactMap { links[$0] })
            .joined(separator: "\n") + "\n"
    }

    // MARK: Events. Each returns true when ``isServing`` changed.

    public mutating func databaseAnswered() -> Bool {
        changes { $0.database = .answering }
    }

    public mutating func databaseFailed(_ why: String) -> Bool {
        changes { $0.database = .failing(why) }
    }

    public mutating func link(_ name: String, _ line: String) -> Bool {
        changes { $0.links[name] = line }
    }

    /// The database's primary, as ``DatabaseNodes/followPrimary(within:logger:)`` found it.
    public mutating func primaryFound(_ standing: DatabaseNodes.Standing) -> Bool {
        changes { status in
            let line = "database: primary \(standing.primary)"
            switch standing.synchronousStandbys {
            case nil:
                // Not a warning: nothing is known to be wrong, only unseen.
                status.warning = nil
                status.links["database"] = line + "; synchronous standbys unknown (grant pg_monitor to the server's database user)"
            case 0?:
                status.warning = Self.noSynchronousStandby
                status.links["database"] = line + "; \(Self.noSynchronousStandby) (admissions are on one machine only)"
            case let standbys?:
                status.warning = nil
                status.links["database"] = line + ", \(standbys) synchronous standby\(standbys == 1 ? "" : "s")"
            }
        }
    }

    /// Shutdown has begun: NOT_SERVING from now on, whatever the database says.
    public mutating func drain() -> Bool {
        changes { $0.draining = true }
    }

    private mutating func changes(_ event: (inout Self) -> Void) -> Bool {
        let before = isServing
        event(&self)
        return before != isServing
    }

}
