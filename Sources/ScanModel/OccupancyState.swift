import Foundation
import UsherCore

/// The occupancy view: every hall's counts, refreshed by polling.
public struct OccupancyState: Sendable {
    public var report: OccupancyReport?
    /// The highlighted hall; Enter opens its seat map.
    public var selected = 0
    public var poll: PollSchedule
    public var lastError: String?
    /// A problem polling cannot fix (a server without GetHallOccupancy).
    public var problem: String?

    public init(pollInterval: Duration) {
        poll = PollSchedule(interval: pollInterval)
    }

    public var selectedHall: HallOccupancy? { report?.halls[safe: selected] }
}
