import Foundation
import UsherCore

/// A hall's seats as the venue file lays them out, for a server that cannot list
/// them (no ListHallSeats): the map is drawn from this and filled in seat by seat.
public struct HallLayout: Sendable, Hashable {
    public var hallID: String
    public var hallName: String
    public var eventID: String
    public var eventName: String
    public var seats: [HallSeat]

    public init(hallID: String, hallName: String, eventID: String, eventName: String, seats: [HallSeat]) {
        self.hallID = hallID
        self.hallName = hallName
        self.eventID = eventID
        self.eventName = eventName
        self.seats = seats
    }

    /// The layout of every hall in `venue`, each for the event the server picks:
    /// the hall's current event by UsherCore's one rule (``CurrentEvent``).
    public static func layouts(of venue: VenueFile, now: Date) -> [String: HallLayout] {
        var layouts: [String: HallLayout] = [:]
        for hall in venue.halls {
            let windows = venue.events.filter { $0.hallID == hall.id }.map(\.window)
            guard let current = CurrentEvent.of(windows, at: now).event,
                let event = venue.events.first(where: { $0.id == current.eventID })
            else { continue }
            let seats = venue.seats.filter { $0.eventID == event.id }.map {
                HallSeat(
                    seatID: $0.seatID, section: $0.section, sectionPosition: $0.sectionPosition, row: $0.row,
                    rowPosition: $0.rowPosition, number: $0.number, status: .available, revision: 0)
            }
            layouts[hall.id] = HallLayout(
                hallID: hall.id, hallName: hall.name, eventID: event.id, eventName: event.name, seats: seats)
        }
        return layouts
    }
}
