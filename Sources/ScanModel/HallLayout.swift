import Foundation
import UsherCore

/// One event's seats as the venue file lays them out, for a server that cannot list
/// them (no ListHallSeats): the map is drawn from this and filled in seat by seat.
public struct HallLayout: Sendable, Hashable {
    public var hallName: String
    /// The event, with its admission window: which layout a map shows is decided
    /// when the map opens, by the same rule as the server's (see ``pick(_:hallID:eventID:at:)``).
    public var event: EventWindow
    public var seats: [HallSeat]

    public var hallID: String { event.hallID }
    public var eventID: String { event.eventID }
    public var eventName: String { event.name }

    public init(hallName: String, event: EventWindow, seats: [HallSeat]) {
        self.hallName = hallName
        self.event = event
        self.seats = seats
    }

    /// The layout of every event in `venue`.
    public static func layouts(of venue: VenueFile) -> [HallLayout] {
        let halls = Dictionary(venue.halls.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let seats = Dictionary(grouping: venue.seats, by: \.eventID)
        return venue.events.map { event in
            HallLayout(
                hallName: halls[event.hallID] ?? event.hallID, event: event.window,
                seats: (seats[event.id] ?? []).map {
                    HallSeat(
                        seatID: $0.seatID, section: $0.section, sectionPosition: $0.sectionPosition, row: $0.row,
                        rowPosition: $0.rowPosition, number: $0.number, status: .available, revision: 0)
                })
        }
    }

    /// The layout a map of `hallID` shows at `now`: the pinned event's, else the
    /// hall's current event's by UsherCore's one rule (``CurrentEvent/event``), as
    /// the server picks it; nil when the file has none for the hall.
    public static func pick(_ layouts: [HallLayout], hallID: String, eventID: String?, at now: Date) -> HallLayout? {
        let hall = layouts.filter { $0.hallID == hallID }
        if let eventID { return hall.first { $0.eventID == eventID } }
        guard let current = CurrentEvent.of(hall.map(\.event), at: now).event else { return nil }
        return hall.first { $0.eventID == current.eventID }
    }
}
