import Foundation
import UsherCore

/// The seat-map view: which hall, what is known of it, where the cursor is, and
/// how the map is kept fresh.
public struct SeatMapState: Sendable {
    /// The hall to show, and the event once the server has said which one is on.
    public struct Target: Sendable, Hashable {
        public var hallID: String
        public var eventID: String?

        public init(hallID: String, eventID: String? = nil) {
            self.hallID = hallID
            self.eventID = eventID
        }
    }

    /// How the map is kept fresh.
    public enum Source: Sendable, Hashable {
        /// ListHallSeats since a cursor (0: load everything).
        case delta(cursor: Int64)
        /// The server has no ListHallSeats: GetSeatOwner for the seats in view, a
        /// bounded batch per poll, with the layout from the venue file.
        case perSeat
    }

    public enum Detail: Sendable, Hashable {
        case loading(seatID: String)
        case seat(Seat)
        case failed(seatID: String, message: String)
    }

    public var target: Target
    public var map: SeatMap?
    public var source: Source = .delta(cursor: 0)
    /// The cursor: an index into `map.lines` (always a row) and a seat in that row.
    public var line = 0
    public var column = 0
    /// The column the cursor returns to after passing a shorter row.
    var wantedColumn = 0
    /// The first map line and seat shown.
    public var top = 0
    public var left = 0
    /// The overview: a block per section instead of seats.
    public var zoomedOut = false
    public var selectedSection = 0
    var overviewTop = 0
    public var detail: Detail?
    public var poll: PollSchedule
    /// The server time of the last answer, shown so staff know how fresh the map is.
    public var lastUpdate: Date?
    /// Why the last poll failed; the map shown is older than it looks.
    public var lastError: String?
    /// A problem polling cannot fix (an older server and no venue file).
    public var problem: String?
    /// Where the per-seat fallback continues its round through the seats in view.
    var perSeatNext = 0

    public init(target: Target, pollInterval: Duration) {
        self.target = target
        self.poll = PollSchedule(interval: pollInterval)
    }

    /// The place under the cursor.
    public var cursorPlace: SeatMap.Place? {
        guard let map, case .row(let s, let r)? = map.lines[safe: line] else { return nil }
        return map.sections[s].rows[r].places[safe: column].map { map.places[$0] }
    }
}

/// Where things go on a map screen of a given size. Shared by update (to keep the
/// cursor in view) and render (to draw), so both agree.
struct MapGeometry {
    var width: Int
    var height: Int

    /// Header, summary and legend above; cursor line and status bar below.
    static let areaTop = 3
    var areaHeight: Int { max(1, height - 5) }

    func labelWidth(_ map: SeatMap) -> Int { map.rowLabelWidth + 3 }

    /// Seats that fit across: ten seats and a gap per eleven columns.
    func visibleSeats(_ map: SeatMap) -> Int {
        let columns = max(1, width - labelWidth(map) - 1)
        return max(1, columns - columns / 11 - 1)
    }

    /// The screen column of seat `i` of a row when the view starts at seat `left`.
    func x(ofSeat i: Int, left: Int, map: SeatMap) -> Int {
        labelWidth(map) + (i - left) + (i / 10 - left / 10)
    }

    // The overview: a tile per section.
    static let tileWidth = 26
    static let tileHeight = 4
    var tilesAcross: Int { max(1, width / Self.tileWidth) }
    var tileRowsShown: Int { max(1, areaHeight / Self.tileHeight) }
}

extension SeatMapState {
    /// Puts the cursor on the first seat, or keeps it where it was when the map is
    /// the same hall loaded again.
    mutating func placeCursorAfterLoad(previous: SeatMap?) {
        guard let map else { return }
        if let previous, previous.hallID == map.hallID, previous.eventID == map.eventID,
            case .row? = map.lines[safe: line]
        {
            clampColumn()
            return
        }
        line = map.lines.firstIndex { if case .row = $0 { true } else { false } } ?? 0
        (column, wantedColumn, top, left, selectedSection, overviewTop) = (0, 0, 0, 0, 0, 0)
    }

    private func rowLength(_ line: Int) -> Int {
        guard let map, case .row(let s, let r)? = map.lines[safe: line] else { return 0 }
        return map.sections[s].rows[r].places.count
    }

    private mutating func clampColumn() {
        column = max(0, min(wantedColumn, rowLength(line) - 1))
    }

    /// Moves the cursor `steps` rows down (negative: up), skipping section titles.
    mutating func moveRows(_ steps: Int, geometry: MapGeometry) {
        guard let map else { return }
        var remaining = abs(steps)
        var candidate = line
        while remaining > 0 {
            var next = candidate + (steps > 0 ? 1 : -1)
            while let l = map.lines[safe: next], !l.isRow { next += steps > 0 ? 1 : -1 }
            guard map.lines[safe: next] != nil else { break }
            candidate = next
            remaining -= 1
        }
        line = candidate
        clampColumn()
        scrollIntoView(geometry)
    }

    mutating func moveSeats(_ steps: Int, geometry: MapGeometry) {
        column = max(0, min(column + steps, rowLength(line) - 1))
        wantedColumn = column
        scrollIntoView(geometry)
    }

    mutating func moveToRowEdge(end: Bool, geometry: MapGeometry) {
        column = end ? max(0, rowLength(line) - 1) : 0
        wantedColumn = column
        scrollIntoView(geometry)
    }

    /// Scrolls so the cursor is on screen, with its section title when it fits.
    mutating func scrollIntoView(_ geometry: MapGeometry) {
        guard let map else { return }
        let rows = geometry.areaHeight
        if line < top { top = line }
        if line >= top + rows { top = line - rows + 1 }
        // Show the section title above a section's first row when scrolling up to it.
        if line == top, line > 0, case .title? = map.lines[safe: line - 1] { top = line - 1 }
        top = max(0, min(top, max(0, map.lines.count - rows)))
        if line >= top + rows { top = line - rows + 1 }
        let across = geometry.visibleSeats(map)
        if column < left { left = column }
        if column >= left + across { left = column - across + 1 }
        left = max(0, left)
    }

    // MARK: overview

    mutating func moveTile(across: Int, down: Int, geometry: MapGeometry) {
        guard let map, !map.sections.isEmpty else { return }
        let next = selectedSection + across + down * geometry.tilesAcross
        selectedSection = max(0, min(map.sections.count - 1, next))
        let tileRow = selectedSection / geometry.tilesAcross
        if tileRow < overviewTop { overviewTop = tileRow }
        if tileRow >= overviewTop + geometry.tileRowsShown { overviewTop = tileRow - geometry.tileRowsShown + 1 }
    }

    /// Leaves the overview at the selected section's first row.
    mutating func zoomIn(geometry: MapGeometry) {
        guard let map else { return }
        zoomedOut = false
        if let first = map.lines.firstIndex(of: .row(section: selectedSection, row: 0)) {
            line = first
            top = max(0, first - 1)
            clampColumn()
        }
        scrollIntoView(geometry)
    }

    /// Enters the overview with the cursor's section selected.
    mutating func zoomOut(geometry: MapGeometry) {
        zoomedOut = true
        selectedSection = cursorPlace?.section ?? 0
        moveTile(across: 0, down: 0, geometry: geometry)
    }

    // MARK: the per-seat fallback

    /// The next batch of seats in view to read one by one: those never read first,
    /// then a round through the rest, so every seat in view is refreshed in turn.
    mutating func nextPerSeatBatch(size: Int, geometry: MapGeometry) -> [String] {
        guard let map else { return [] }
        var visible: [Int] = []
        if zoomedOut {
            let first = overviewTop * geometry.tilesAcross
            let shown = (first..<min(map.sections.count, first + geometry.tilesAcross * geometry.tileRowsShown))
            for s in shown { for row in map.sections[s].rows { visible += row.places } }
        } else {
            let across = geometry.visibleSeats(map)
            for l in top..<min(map.lines.count, top + geometry.areaHeight) {
                guard case .row(let s, let r) = map.lines[l] else { continue }
                let places = map.sections[s].rows[r].places
                if left < places.count { visible += places[left..<min(places.count, left + across)] }
            }
        }
        guard !visible.isEmpty else { return [] }
        let unknown = visible.filter { map.places[$0].status == nil }
        if !unknown.isEmpty { return unknown.prefix(size).map { map.places[$0].seatID } }
        let start = perSeatNext % visible.count
        let batch = (0..<min(size, visible.count)).map { visible[(start + $0) % visible.count] }
        perSeatNext = start + batch.count
        return batch.map { map.places[$0].seatID }
    }
}

extension SeatMap.Line {
    var isRow: Bool { if case .row = self { true } else { false } }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
