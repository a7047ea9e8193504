import Foundation
import UsherCore

/// The supervisors' door list (ListDoors): every enrolled door and how it stands,
/// polled with the supervisor views like the conflict alerts.
public struct DoorBoardState: Sendable {
    public var board: DoorBoard?
    public var poll: PollSchedule
    /// The last poll failed; the list shown may be out of date.
    public var lastError: String?
    /// The server has no ListDoors (an older server): no list, no polling.
    public var unsupported = false

    public init(pollInterval: Duration) {
        poll = PollSchedule(interval: pollInterval)
    }

    mutating func loaded(_ result: Result<DoorBoard, CallFailure>, at instant: ContinuousClock.Instant) {
        poll.finished(at: instant)
        switch result {
        case .success(let board):
            self.board = board
            lastError = nil
        case .failure(let failure) where failure.kind == .unsupported:
            unsupported = true
            board = nil
        case .failure(let failure):
            lastError = failure.message
        }
    }

    /// The doors, the ones needing a look first (no contact, then offline, then
    /// scans waiting), by hall and name within each.
    public var doors: [(door: DoorStatus, condition: DoorCondition)] {
        guard let board else { return [] }
        return board.doors
            .map { ($0, DoorCondition($0, at: board.serverTime)) }
            .sorted { ($0.1.rank, $0.0.hallID, $0.0.terminalID) < ($1.1.rank, $1.0.hallID, $1.0.terminalID) }
    }
}

/// How a door stands, as a supervisor needs to read it.
public enum DoorCondition: Sendable, Hashable {
    /// Enrolled, never synced: it cannot check offline.
    case neverSynced
    /// No sync for ``DoorStatus/contactLostAfter``: it cannot reach the server (its
    /// offline scans are not arriving) or it is off.
    case noContact(lastSyncAt: Date)
    /// Reaching the server, but deciding scans locally (pinned by staff, or flapping).
    case offline(forced: Bool)
    /// Online, but 5 wrong supervisor PINs locked its overrides until then: someone
    /// may be guessing, and a guest who needs one waits for a supervisor.
    case overridesLocked(until: Date)
    case online

    public init(_ door: DoorStatus, at serverTime: Date) {
        guard let lastSyncAt = door.lastSyncAt else {
            self = .neverSynced
            return
        }
        if !door.inContact(at: serverTime) {
            self = .noContact(lastSyncAt: lastSyncAt)
        } else if let report = door.report, report.offline {
            self = .offline(forced: report.forced)
        } else if let until = door.overridesLockedUntil, until > serverTime {
            self = .overridesLocked(until: until)
        } else {
            self = .online
        }
    }

    var rank: Int {
        switch self {
        case .noContact: 0
        case .offline: 1
        case .overridesLocked: 2
        case .neverSynced: 3
        case .online: 4
        }
    }

    /// Needs a supervisor's look.
    public var isProblem: Bool { self != .online }
}
