import Foundation

/// One event as a door sees it: which hall, what it is called, and when a ticket
/// for it admits. The window opens at `doorsAt` and closes at `endsAt`; the same
/// window is signed into every new code, so a terminal checking offline sees
/// exactly what the server sees.
public struct EventWindow: Sendable, Hashable {
    public var eventID: String
    public var hallID: String
    public var name: String
    /// When doors open: the first moment a ticket for this event admits.
    public var doorsAt: Date
    public var startsAt: Date
    /// The first moment a ticket no longer admits.
    public var endsAt: Date
    /// Guests may step out and come back in (the venue's `reentry`); default no.
    public var reentry: Bool

    public init(
        eventID: String, hallID: String, name: String, doorsAt: Date, startsAt: Date, endsAt: Date, reentry: Bool = false
    ) {
        self.eventID = eventID
        self.hallID = hallID
        self.name = name
        self.doorsAt = doorsAt
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reentry = reentry
    }

    /// Doors open this long before the start unless the venue says otherwise.
    public static let defaultDoorsBeforeStart: TimeInterval = 60 * 60

    /// Where `now` falls against the window: before doors, inside, or after the end.
    /// Half-open, `[doorsAt, endsAt)`: at `doorsAt` a ticket admits, at `endsAt` it no longer does.
    public func position(at now: Date) -> Position {
        if now < doorsAt { return .beforeDoors }
        if now < endsAt { return .open }
        return .ended
    }

    public func isOpen(at now: Date) -> Bool { position(at: now) == .open }

    public enum Position: Sendable, Hashable {
        case beforeDoors
        case open
        case ended
    }

    /// "The Gala, Sat 2 Dec 19:30": how staff name an event to a guest.
    public func label(in zone: TimeZone) -> String {
        "\(name), \(Timestamps.day(startsAt, in: zone)) \(Timestamps.clock(startsAt, in: zone))"
    }
}

extension EventWindow {
    /// Pairs of events in one hall whose admission windows overlap, in door order.
    /// Not an error (a venue may mean it), but a door in that hall cannot tell which
    /// show a guest is arriving for, so it must be pinned (`--event`).
    public static func overlapping(_ windows: [EventWindow]) -> [(EventWindow, EventWindow)] {
        var pairs: [(EventWindow, EventWindow)] = []
        let sorted = windows.sorted { ($0.doorsAt, $0.eventID) < ($1.doorsAt, $1.eventID) }
        for (index, first) in sorted.enumerated() {
            for second in sorted[(index + 1)...] where second.hallID == first.hallID && second.doorsAt < first.endsAt {
                pairs.append((first, second))
            }
        }
        return pairs
    }
}
