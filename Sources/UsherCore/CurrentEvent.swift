import Foundation

/// The hall's current event: the one rule the server (ListHallSeats without an
/// event), the supervisor views and the door header all use.
///
/// The rule is the admission window: the current event is the one whose window
/// (doors → ends) is open. Two open windows in one hall are a venue problem (the
/// import warns) and a door there must be pinned to one event, so that case is
/// reported as such rather than silently picking one for admission. With no window
/// open, the next to open is shown (the hall is between shows), else the last to end.
public enum CurrentEvent: Sendable, Hashable {
    case open(EventWindow)
    /// Several windows are open at once, ordered by when their doors opened.
    case overlapping([EventWindow])
    /// Nothing is open; this is the next window to open.
    case upcoming(EventWindow)
    /// Nothing is open or to come; this ended last.
    case ended(EventWindow)
    case none

    /// Picks the hall's current event among `events` (those of one hall) at `now`.
    public static func of(_ events: [EventWindow], at now: Date) -> CurrentEvent {
        // Ties broken by id, so every caller picks the same event from the same rows.
        let open = events.filter { $0.isOpen(at: now) }.sorted { ($0.doorsAt, $0.eventID) < ($1.doorsAt, $1.eventID) }
        if open.count == 1 { return .open(open[0]) }
        if open.count > 1 { return .overlapping(open) }
        if let next = events.filter({ now < $0.doorsAt }).min(by: { ($0.doorsAt, $0.eventID) < ($1.doorsAt, $1.eventID) }) {
            return .upcoming(next)
        }
        if let last = events.max(by: { ($0.endsAt, $1.eventID) < ($1.endsAt, $0.eventID) }) { return .ended(last) }
        return .none
    }

    /// The one event to show (a seat map needs one): the open one; of overlapping
    /// windows, the one whose doors opened last (the show that is arriving now);
    /// else the upcoming or last one.
    public var event: EventWindow? {
        switch self {
        case .open(let event), .upcoming(let event), .ended(let event): event
        case .overlapping(let events): events.last
        case .none: nil
        }
    }
}
