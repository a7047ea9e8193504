import Foundation
import UsherCore

/// What a terminal is allowed to show and how often it asks the server.
public struct TerminalSettings: Sendable {
    public var role: TerminalRole
    /// A door terminal may still show the supervisor views when this is set.
    public var allowsViews: Bool
    public var initialView: TerminalView
    /// How often a visible seat map or occupancy table is refreshed.
    public var pollInterval: Duration
    /// At most this many GetSeatOwner calls per poll in the per-seat fallback.
    public var perSeatBatch: Int
    /// Every event's layout from the venue file, for a server without ListHallSeats.
    public var fallbackLayouts: [HallLayout]

    public init(
        role: TerminalRole = .door, allowsViews: Bool = false, initialView: TerminalView = .door,
        pollInterval: Duration = .seconds(1), perSeatBatch: Int = 48, fallbackLayouts: [HallLayout] = []
    ) {
        self.role = role
        self.allowsViews = allowsViews
        self.initialView = initialView
        self.pollInterval = pollInterval
        self.perSeatBatch = perSeatBatch
        self.fallbackLayouts = fallbackLayouts
    }

    public var viewsEnabled: Bool { role == .supervisor || allowsViews }

    /// Whether this terminal may show `view`.
    public func allows(_ view: TerminalView) -> Bool { view == .door || viewsEnabled }
}

public enum TerminalEvent: Sendable {
    /// Keys, the clock, resizes and everything the door asked for.
    case door(DoorEvent)
    /// A ListHallSeats answer for `target`, asked with cursor `since`.
    case hallSeats(target: SeatMapState.Target, since: Int64, Result<HallSeatsChange, CallFailure>, at: ContinuousClock.Instant)
    /// GetSeatOwner answers for a per-seat batch.
    case seatsRead(target: SeatMapState.Target, [String: Result<Seat, CallFailure>], at: ContinuousClock.Instant)
    case seatDetail(seatID: String, Result<Seat, CallFailure>)
    case occupancy(Result<OccupancyReport, CallFailure>, at: ContinuousClock.Instant)
    /// A ListConflicts answer: the conflicts not yet acknowledged.
    case conflicts(Result<[ScanConflict], CallFailure>, at: ContinuousClock.Instant)
    /// The AcknowledgeConflict answer for ``TerminalEffect/acknowledgeConflict(id:)``.
    case conflictAcknowledged(Result<ScanConflict, CallFailure>)
    /// A ListDoors answer: every door and how it stands.
    case doors(Result<DoorBoard, CallFailure>, at: ContinuousClock.Instant)
}

/// What the runner must do; the model never does I/O.
public enum TerminalEffect: Sendable, Hashable {
    case door(DoorEffect)
    case loadHallSeats(target: SeatMapState.Target, since: Int64)
    /// The per-seat fallback: GetSeatOwner for each, a bounded number at a time.
    case readSeats(target: SeatMapState.Target, seatIDs: [String])
    case readSeatDetail(seatID: String)
    case loadOccupancy
    /// ListConflicts (not yet acknowledged), polled with the supervisor views.
    case loadConflicts
    /// A supervisor acknowledged this conflict (`a`).
    case acknowledgeConflict(id: Int64)
    /// ListDoors, polled with the supervisor views.
    case loadDoors
}

/// The whole terminal: the door, the seat map and the occupancy table, and which
/// of them is on screen. Polls run only for the view that is shown.
public struct TerminalState: Sendable {
    public var door: DoorState
    public let settings: TerminalSettings
    public var view: TerminalView
    public var seatMap: SeatMapState
    public var occupancy: OccupancyState
    /// Conflicts from offline doors, shown on the supervisor views until acknowledged.
    public var conflicts: ConflictAlerts
    /// Every door and how it stands (the occupancy view lists them).
    public var doorBoard: DoorBoardState
    /// The supervisor views' help.
    public var helpShown = false
    /// What the server said about its database with the last seat map or occupancy
    /// answer ("degraded: no synchronous standby"); nil while all is well.
    public var databaseWarning: String?
    /// `u` on a checked-in seat's details: the supervisor's annul question.
    public var annul: AnnulDraft?
    /// What the last supervisor annul came to, shown in the seat details until they close.
    public var annulResult: String?

    public init(door: DoorState, settings: TerminalSettings) {
        var door = door
        door.settings.viewsEnabled = settings.viewsEnabled
        self.door = door
        self.settings = settings
        self.view = settings.allows(settings.initialView) ? settings.initialView : .door
        // A door pinned to one event shows that event's map; else the hall's current event.
        self.seatMap = SeatMapState(
            target: .init(hallID: door.settings.hallID, eventID: door.settings.eventID), pollInterval: settings.pollInterval)
        self.occupancy = OccupancyState(pollInterval: settings.pollInterval)
        self.conflicts = ConflictAlerts(pollInterval: settings.pollInterval)
        self.doorBoard = DoorBoardState(pollInterval: settings.pollInterval)
    }

    var geometry: MapGeometry { MapGeometry(width: door.width, height: door.height) }
    var ascii: Bool { door.settings.ascii }
    var color: Bool { door.settings.color }
}
