import Foundation

/// A hall's events with their admission windows, and the clock they were read by:
/// what the server answers ListHallEvents with, and what a door names its hall's
/// current event from.
public struct HallSchedule: Sendable, Hashable {
    public var hallID: String
    public var hallName: String
    /// Ordered by when doors open, then by id.
    public var events: [EventWindow]
    /// The database's clock when the events were read.
    public var asOf: Date

    public init(hallID: String, hallName: String, events: [EventWindow], asOf: Date) {
        self.hallID = hallID
        self.hallName = hallName
        self.events = events
        self.asOf = asOf
    }

    /// The hall's current event at `now`, by the one rule (``CurrentEvent``).
    public func current(at now: Date) -> CurrentEvent { CurrentEvent.of(events, at: now) }
}
