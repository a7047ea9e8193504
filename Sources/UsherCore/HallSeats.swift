import Foundation

/// A seat as a seat map needs it: where it sits and what state it is in. No owner:
/// maps are shown on screens in public view; details come from GetSeatOwner.
public struct HallSeat: Sendable, Hashable {
    public var seatID: String
    public var section: String
    /// The section's and row's places in the venue file (0 first).
    public var sectionPosition: Int
    public var row: String
    public var rowPosition: Int
    public var number: Int
    public var status: SeatStatus
    /// The seat's own revision; a newer one replaces an older one.
    public var revision: Int64

    public init(
        seatID: String, section: String, sectionPosition: Int, row: String, rowPosition: Int, number: Int,
        status: SeatStatus, revision: Int64
    ) {
        self.seatID = seatID
        self.section = section
        self.sectionPosition = sectionPosition
        self.row = row
        self.rowPosition = rowPosition
        self.number = number
        self.status = status
        self.revision = revision
    }
}

/// The answer to "what changed in this hall since `cursor`": the seats whose state
/// changed, and the cursor to ask with next time. A cursor of 0 asks for every seat.
///
/// The cursor is opaque and only grows. A delta may repeat a seat already seen
/// (never miss one), so applying it is "replace by seat id".
public struct HallSeatsChange: Sendable, Hashable {
    public var hallID: String
    public var hallName: String
    public var eventID: String
    public var eventName: String
    public var seats: [HallSeat]
    public var cursor: Int64
    /// True when `seats` is the whole hall (asked with cursor 0).
    public var isComplete: Bool
    public var asOf: Date
    /// What the server says is wrong with its database, e.g. "degraded: no synchronous
    /// standby"; nil when nothing is.
    public var databaseWarning: String?

    public init(
        hallID: String, hallName: String, eventID: String, eventName: String, seats: [HallSeat], cursor: Int64,
        isComplete: Bool, asOf: Date, databaseWarning: String? = nil
    ) {
        self.hallID = hallID
        self.hallName = hallName
        self.eventID = eventID
        self.eventName = eventName
        self.seats = seats
        self.cursor = cursor
        self.isComplete = isComplete
        self.asOf = asOf
        self.databaseWarning = databaseWarning
    }
}

/// One hall during one event: how full it is and how fast people arrive.
public struct HallOccupancy: Sendable, Hashable {
    public var hallID: String
    public var hallName: String
    public var eventID: String
    public var eventName: String
    /// When doors open: the admission window is `doorsAt` → `endsAt`.
    public var doorsAt: Date
    public var startsAt: Date
    public var endsAt: Date
    public var capacity: Int
    public var available: Int
    public var held: Int
    /// Sold and not yet inside.
    public var sold: Int
    /// Admitted (checked in), inside now or stepped out.
    public var checkedIn: Int
    /// Successful admissions in each of the last 15 minutes, oldest first; the
    /// last entry is the minute that ends now. Re-entries are not admissions.
    public var admissionsPerMinute: [Int]
    /// Admitted and not stepped out (exit scans, on events with re-entry).
    public var insideNow: Int
    /// Per door, entries and exits over the last ``window`` minutes; busiest first.
    public var doorFlows: [DoorFlow]

    public init(
        hallID: String, hallName: String, eventID: String, eventName: String, doorsAt: Date, startsAt: Date,
        endsAt: Date, capacity: Int, available: Int, held: Int, sold: Int, checkedIn: Int, admissionsPerMinute: [Int],
        insideNow: Int? = nil, doorFlows: [DoorFlow] = []
    ) {
        self.hallID = hallID
        self.hallName = hallName
        self.eventID = eventID
        self.eventName = eventName
        self.doorsAt = doorsAt
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.capacity = capacity
        self.available = available
        self.held = held
        self.sold = sold
        self.checkedIn = checkedIn
        self.admissionsPerMinute = admissionsPerMinute
        self.insideNow = insideNow ?? checkedIn
        self.doorFlows = doorFlows
    }

    /// The event's admission window.
    public var window: EventWindow {
        EventWindow(eventID: eventID, hallID: hallID, name: eventName, doorsAt: doorsAt, startsAt: startsAt, endsAt: endsAt)
    }

    /// Tickets sold, whether or not the guest is inside yet.
    public var ticketsSold: Int { sold + checkedIn }

    /// How many minutes `admissionsPerMinute` covers.
    public static let window = 15
}

/// Every hall's occupancy at one moment.
public struct OccupancyReport: Sendable, Hashable {
    public var halls: [HallOccupancy]
    public var asOf: Date
    /// As in ``HallSeatsChange/databaseWarning``.
    public var databaseWarning: String?

    public init(halls: [HallOccupancy], asOf: Date, databaseWarning: String? = nil) {
        self.halls = halls
        self.asOf = asOf
        self.databaseWarning = databaseWarning
    }
}

/// One door's traffic over the occupancy window: entries (admissions, re-entries and
/// overrides, less undone ones) and exits.
public struct DoorFlow: Sendable, Hashable {
    public var terminalID: String
    public var entries: Int
    public var exits: Int

    public init(terminalID: String, entries: Int, exits: Int) {
        self.terminalID = terminalID
        self.entries = entries
        self.exits = exits
    }
}
