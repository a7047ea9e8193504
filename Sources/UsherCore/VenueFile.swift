import Foundation

/// A venue to import: halls, events and their seat layouts. The JSON format is
/// documented in docs/venue-format.md. Decoding validates everything up front, so
/// an import either writes the whole file or nothing.
public struct VenueFile: Sendable {
    public struct Hall: Sendable, Hashable {
        public var id: String
        public var name: String
    }

    public struct Event: Sendable, Hashable {
        public var id: String
        public var hallID: String
        public var name: String
        /// When doors open; `starts` minus ``EventWindow/defaultDoorsBeforeStart`` unless given.
        public var doorsAt: Date
        public var startsAt: Date
        public var endsAt: Date
        /// Guests may step out and come back in (`"reentry": true`); default false.
        public var reentry = false

        /// The event's admission window.
        public var window: EventWindow {
            EventWindow(
                eventID: id, hallID: hallID, name: name, doorsAt: doorsAt, startsAt: startsAt, endsAt: endsAt, reentry: reentry)
        }
    }

    public struct SeatPlace: Sendable, Hashable {
        public var seatID: String
        public var eventID: String
        public var hallID: String
        public var section: String
        public var row: String
        public var number: Int
        /// The section's and the row's places in the venue file (0 first), so a seat
        /// map draws them in the order the venue describes, not alphabetically.
        public var sectionPosition: Int
        public var rowPosition: Int
    }

    /// A seat's starting state, for demo and test venues: applied only to seats
    /// that have never been touched, so re-importing never overwrites real sales.
    public struct Preset: Sendable, Hashable {
        public enum State: Sendable, Hashable {
            case held(by: String, until: Date)
            case sold(owner: String)
            /// Sold to `owner`, then transferred to `to` (ticket serial 2).
            case transferred(owner: String, to: String)
            case checkedIn(owner: String, at: Date, terminalID: String)
        }
        public var seatID: String
        public var state: State
    }

    public var halls: [Hall]
    public var events: [Event]
    public var seats: [SeatPlace]
    public var presets: [Preset]

    public static let maximumSeats = 1_000_000

    /// Decodes and validates a venue file. Relative times ("now+2h", "now-30m",
    /// "now+1d") are taken from `now`, so a demo venue always has an event on.
    public static func decode(_ data: Data, now: Date) throws(InputError) -> VenueFile {
        let raw: RawVenue
        do {
            raw = try JSONDecoder().decode(RawVenue.self, from: data)
        } catch {
            throw InputError(field: "venue file", problem: "is not valid venue JSON: \(Self.describe(error))")
        }
        var halls: [Hall] = []
        var hallIDs = Set<String>()
        for hall in raw.halls {
            let id = try InputRules.identifier(hall.id, field: "halls[].id")
            guard hallIDs.insert(id).inserted else { throw InputError(field: "halls[].id", problem: "repeats \(id)") }
            halls.append(Hall(id: id, name: try name(hall.name, field: "hall \(id) name")))
        }
        var events: [Event] = []
        var seats: [SeatPlace] = []
        var eventIDs = Set<String>()
        for event in raw.events {
            let id = try InputRules.identifier(event.id, field: "events[].id")
            guard eventIDs.insert(id).inserted else { throw InputError(field: "events[].id", problem: "repeats \(id)") }
            guard hallIDs.contains(event.hall) else {
                throw InputError(field: "event \(id) hall", problem: "names unknown hall \(event.hall)")
            }
            let startsAt = try time(event.starts, now: now, field: "event \(id) starts")
            let endsAt = try time(event.ends, now: now, field: "event \(id) ends")
            guard endsAt > startsAt else { throw InputError(field: "event \(id) ends", problem: "must be after starts") }
            var doorsAt = startsAt.addingTimeInterval(-EventWindow.defaultDoorsBeforeStart)
            if let doors = event.doors { doorsAt = try time(doors, now: now, field: "event \(id) doors") }
            guard doorsAt < endsAt else { throw InputError(field: "event \(id) doors", problem: "must be before ends") }
            events.append(
                Event(id: id, hallID: event.hall, name: try name(event.name, field: "event \(id) name"),
                      doorsAt: doorsAt, startsAt: startsAt, endsAt: endsAt, reentry: event.reentry ?? false))
            var sectionIDs = Set<String>()
            var sectionNames = Set<String>()
            for (sectionPosition, section) in event.sections.enumerated() {
                let sectionID = try InputRules.identifier(section.id, field: "event \(id) sections[].id")
                guard sectionIDs.insert(sectionID).inserted else {
                    throw InputError(field: "event \(id) sections[].id", problem: "repeats \(sectionID)")
                }
                let sectionName = try name(section.name, field: "section \(sectionID) name")
                // Seats are unique by (event, section name, row, number), so names must differ too.
                guard sectionNames.insert(sectionName).inserted else {
                    throw InputError(field: "section \(sectionID) name", problem: "repeats \(sectionName) in event \(id)")
                }
                guard (1...1000).contains(section.seatsPerRow) else {
                    throw InputError(field: "section \(sectionID) seats_per_row", problem: "must be 1–1000")
                }
                guard !section.rows.isEmpty, Set(section.rows).count == section.rows.count else {
                    throw InputError(field: "section \(sectionID) rows", problem: "must be non-empty and distinct")
                }
                for (rowPosition, row) in section.rows.enumerated() {
                    guard row.utf8.count <= 8 else {
                        throw InputError(field: "section \(sectionID) rows", problem: "labels are at most 8 characters")
                    }
                    _ = try InputRules.identifier(row, field: "section \(sectionID) rows")
                    for number in 1...section.seatsPerRow {
                        let seatID = try InputRules.identifier(
                            "\(id).\(sectionID).\(row).\(number)", field: "seat id for event \(id)")
                        seats.append(
                            SeatPlace(seatID: seatID, eventID: id, hallID: event.hall, section: sectionName,
                                      row: row, number: number, sectionPosition: sectionPosition,
                                      rowPosition: rowPosition))
                    }
                    guard seats.count <= maximumSeats else {
                        throw InputError(field: "venue file", problem: "has more than \(maximumSeats) seats")
                    }
                }
            }
        }
        let seatIDs = Set(seats.map(\.seatID))
        var presets: [Preset] = []
        var presetSeats = Set<String>()
        for raw in raw.presets ?? [] {
            let field = "presets \(raw.seat)"
            guard seatIDs.contains(raw.seat) else { throw InputError(field: field, problem: "names no seat of this venue") }
            guard presetSeats.insert(raw.seat).inserted else { throw InputError(field: field, problem: "repeats the seat") }
            func id(_ value: String?, _ name: String) throws(InputError) -> String {
                try InputRules.identifier(value ?? "", field: "\(field) \(name)")
            }
            let state: Preset.State
            switch raw.status {
            case "HELD":
                state = .held(by: try id(raw.holder, "holder"), until: try time(raw.heldUntil ?? "", now: now, field: "\(field) held_until"))
            case "SOLD" where raw.transferredTo != nil:
                state = .transferred(owner: try id(raw.owner, "owner"), to: try id(raw.transferredTo, "transferred_to"))
            case "SOLD":
                state = .sold(owner: try id(raw.owner, "owner"))
            case "CHECKED_IN":
                state = .checkedIn(
                    owner: try id(raw.owner, "owner"),
                    at: try time(raw.checkedInAt ?? "", now: now, field: "\(field) checked_in_at"),
                    terminalID: try id(raw.terminal, "terminal"))
            default:
                throw InputError(field: "\(field) status", problem: "must be HELD, SOLD or CHECKED_IN")
            }
            presets.append(Preset(seatID: raw.seat, state: state))
        }
        return VenueFile(halls: halls, events: events, seats: seats, presets: presets)
    }

    /// The file's own events whose windows overlap (``EventWindow/overlapping(_:)``);
    /// the import also checks them against the events already stored.
    public var overlappingWindows: [(EventWindow, EventWindow)] { EventWindow.overlapping(events.map(\.window)) }

    private static func name(_ value: String, field: String) throws(InputError) -> String {
        let text = try InputRules.freeText(value, field: field)
        guard !text.isEmpty, text.count <= 200 else { throw InputError(field: field, problem: "must be 1–200 characters") }
        return text
    }

    /// RFC 3339 (`2026-11-21T19:30:00Z`) or `now`, `now+90m`, `now-2h`, `now+1d`.
    static func time(_ text: String, now: Date, field: String) throws(InputError) -> Date {
        if text == "now" { return now }
        if text.hasPrefix("now+") || text.hasPrefix("now-") {
            let sign: Double = text.hasPrefix("now+") ? 1 : -1
            let amount = text.dropFirst(4)
            guard let unit = amount.last, let value = Double(amount.dropLast()), value >= 0 else {
                throw InputError(field: field, problem: "must look like now+90m, now-2h or now+1d")
            }
            let scale: Double
            switch unit {
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: throw InputError(field: field, problem: "unit must be m, h or d")
            }
            return now.addingTimeInterval(sign * value * scale)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw InputError(field: field, problem: "must be an RFC 3339 time or now±N(m|h|d)")
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "wrong type at \(path(context.codingPath))"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        default:
            return "unreadable"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// The JSON as written; field names follow docs/venue-format.md.
private struct RawVenue: Decodable {
    struct Hall: Decodable {
        var id: String
        var name: String
    }
    struct Section: Decodable {
        var id: String
        var name: String
        var rows: [String]
        var seatsPerRow: Int
        enum CodingKeys: String, CodingKey {
            case id, name, rows
            case seatsPerRow = "seats_per_row"
        }
    }
    struct Event: Decodable {
        var id: String
        var hall: String
        var name: String
        var doors: String?
        var starts: String
        var ends: String
        var reentry: Bool?
        var sections: [Section]
    }
    struct Preset: Decodable {
        var seat: String
        var status: String
        var owner: String?
        var holder: String?
        var heldUntil: String?
        var transferredTo: String?
        var checkedInAt: String?
        var terminal: String?
        enum CodingKeys: String, CodingKey {
            case seat, status, owner, holder, terminal
            case heldUntil = "held_until"
            case transferredTo = "transferred_to"
            case checkedInAt = "checked_in_at"
        }
    }
    var halls: [Hall]
    var events: [Event]
    var presets: [Preset]?
}
