import UsherCore

/// A hall's seats laid out as the venue file describes them: sections in order,
/// rows in order, seats by number, each with its latest known status. The layout
/// is fixed once built; a changed seat the layout lacks means the venue itself
/// changed, and the caller reloads.
public struct SeatMap: Sendable, Hashable {
    public struct Place: Sendable, Hashable {
        public var seatID: String
        public var number: Int
        /// nil until known: the per-seat fallback fills statuses in as it polls.
        public var status: SeatStatus?
        public var revision: Int64
        public var section: Int
        public var row: Int
    }

    public struct Row: Sendable, Hashable {
        public var label: String
        /// Indices into ``places``, by seat number.
        public var places: [Int]
    }

    public struct Section: Sendable, Hashable {
        public var name: String
        public var rows: [Row]
    }

    /// What the map draws, top to bottom.
    public enum Line: Sendable, Hashable {
        case title(section: Int)
        case row(section: Int, row: Int)
        case blank
    }

    /// Seats by status, for the whole hall or one section.
    public struct Counts: Sendable, Hashable {
        public var available = 0
        public var held = 0
        public var sold = 0
        public var checkedIn = 0
        public var unknown = 0

        public var total: Int { available + held + sold + checkedIn + unknown }
        /// Sold tickets, whether the guest is inside yet or not.
        public var ticketsSold: Int { sold + checkedIn }

        mutating func add(_ status: SeatStatus?, _ delta: Int) {
            switch status {
            case .available?: available += delta
            case .held?: held += delta
            case .sold?: sold += delta
            case .checkedIn?: checkedIn += delta
            case nil: unknown += delta
            }
        }
    }

    public var hallID: String
    public var hallName: String
    public var eventID: String
    public var eventName: String
    public private(set) var sections: [Section] = []
    public private(set) var places: [Place] = []
    public private(set) var lines: [Line] = []
    public private(set) var counts = Counts()
    public private(set) var sectionCounts: [Counts] = []
    /// The longest row label, for aligning the seat columns.
    public private(set) var rowLabelWidth = 1
    private var index: [String: Int] = [:]

    /// Builds the layout from `seats`. With `statusesKnown` false (a layout read from
    /// a venue file) every status starts unknown.
    public init(
        hallID: String, hallName: String, eventID: String, eventName: String, seats: [HallSeat],
        statusesKnown: Bool = true
    ) {
        self.hallID = hallID
        self.hallName = hallName
        self.eventID = eventID
        self.eventName = eventName
        let ordered = seats.sorted {
            ($0.sectionPosition, $0.section, $0.rowPosition, $0.row, $0.number)
                < ($1.sectionPosition, $1.section, $1.rowPosition, $1.row, $1.number)
        }
        places.reserveCapacity(ordered.count)
        index.reserveCapacity(ordered.count)
        for seat in ordered where index[seat.seatID] == nil {
            if sections.last?.name != seat.section {
                sections.append(Section(name: seat.section, rows: []))
                sectionCounts.append(Counts())
            }
            let section = sections.count - 1
            if sections[section].rows.last?.label != seat.row {
                sections[section].rows.append(Row(label: seat.row, places: []))
                rowLabelWidth = max(rowLabelWidth, seat.row.count)
            }
            let row = sections[section].rows.count - 1
            let status = statusesKnown ? seat.status : nil
            index[seat.seatID] = places.count
            sections[section].rows[row].places.append(places.count)
            places.append(
                Place(seatID: seat.seatID, number: seat.number, status: status,
                      revision: statusesKnown ? seat.revision : 0, section: section, row: row))
            counts.add(status, 1)
            sectionCounts[section].add(status, 1)
        }
        for (s, section) in sections.enumerated() {
            if s > 0 { lines.append(.blank) }
            lines.append(.title(section: s))
            for r in section.rows.indices { lines.append(.row(section: s, row: r)) }
        }
    }

    public var capacity: Int { places.count }

    public func place(_ seatID: String) -> Place? { index[seatID].map { places[$0] } }

    /// Applies changed seats. A seat already known at a newer revision keeps it (a
    /// delta may repeat a seat). Returns false when a seat is not on the map: the
    /// venue changed and the map must be loaded again.
    public mutating func apply(_ seats: [HallSeat]) -> Bool {
        var complete = true
        for seat in seats {
            if !set(seat.seatID, status: seat.status, revision: seat.revision) { complete = false }
        }
        return complete
    }

    /// Sets one seat's status (from a delta or from GetSeatOwner).
    @discardableResult
    public mutating func set(_ seatID: String, status: SeatStatus, revision: Int64) -> Bool {
        guard let i = index[seatID] else { return false }
        let old = places[i]
        if old.status != nil && revision < old.revision { return true }
        counts.add(old.status, -1)
        sectionCounts[old.section].add(old.status, -1)
        places[i].status = status
        places[i].revision = revision
        counts.add(status, 1)
        sectionCounts[old.section].add(status, 1)
        return true
    }

    /// Carries statuses over from an older map of the same hall (a reload after the
    /// layout changed keeps what was already known).
    public mutating func keepStatuses(from older: SeatMap) {
        for place in older.places {
            if let status = place.status { set(place.seatID, status: status, revision: place.revision) }
        }
    }
}
