import Foundation
import UsherCore

extension TerminalState {
    func renderSeatMap(_ screen: inout Screen) {
        let state = seatMap
        let dot = ascii ? "-" : "·"
        guard let map = state.map else {
            header(&screen, title: "seat map \(dot) hall \(state.target.hallID)")
            if let problem = state.problem {
                for (i, line) in wrap(problem, width: screen.width - 4).enumerated() {
                    screen.write(line, x: 2, y: 2 + i, style: Style(bold: true))
                }
            } else {
                let (text, style) = freshness(lastUpdate: nil, error: state.lastError)
                screen.write(" " + text, x: 0, y: 2, style: style)
            }
            return
        }
        header(&screen, title: "seat map \(dot) \(map.hallName) \(dot) \(map.eventName)")
        summary(&screen, map: map, y: 1)
        legend(&screen, y: 2)
        if state.zoomedOut { overview(&screen, map: map) } else { seats(&screen, map: map) }
        cursorLine(&screen, map: map, y: screen.height - 2)
        if let detail = state.detail { door.box(&screen, lines: detailLines(detail)) }
        if let annul { door.box(&screen, lines: annul.lines(clock: door.clock)) }
    }

    private func summary(_ screen: inout Screen, map: SeatMap, y: Int) {
        let c = map.counts
        let bar = ascii ? " | " : " │ "
        var text = " Inside \(c.checkedIn)/\(map.capacity) \(percent(c.checkedIn, of: map.capacity))"
            + "\(bar)Sold \(c.ticketsSold) \(percent(c.ticketsSold, of: map.capacity))\(bar)Held \(c.held)\(bar)Available \(c.available)"
        if c.unknown > 0 { text += "\(bar)not read \(c.unknown)" }
        screen.write(text, x: 0, y: y, style: Style(bold: true))
        // A stale map, or a degraded database, takes the legend's line instead (see legend).
        guard seatMap.lastError == nil, databaseWarning == nil else { return }
        let (fresh, _) = freshness(lastUpdate: seatMap.lastUpdate, error: nil)
        if text.displayWidth + fresh.displayWidth + 3 < screen.width {
            screen.write(fresh, x: screen.width - fresh.displayWidth - 1, y: y)
        }
    }

    private func legend(_ screen: inout Screen, y: Int) {
        // Conflict alerts take the legend's line, unless the map is stale (then the
        // occupancy view still shows them).
        if seatMap.lastError == nil, conflictAlert(&screen, y: y, lines: 1) > 0 { return }
        if seatMap.lastError != nil || databaseWarning != nil {
            // Loud and across the whole line: these seats may be out of date, or the
            // database they come from is on one machine only.
            let (text, style) = freshness(lastUpdate: seatMap.lastUpdate, error: seatMap.lastError)
            screen.fill(x: 0, y: y, width: screen.width, height: 1, style: style)
            screen.write(" " + door.abbreviate(text, screen.width - 2), x: 0, y: y, style: style)
            return
        }
        var x = 1
        let statuses: [SeatStatus?] = [.available, .held, .sold, .checkedIn] + (seatMap.source == .perSeat ? [nil] : [])
        for status in statuses {
            let look = SeatLook.of(status, ascii: ascii)
            screen.write(String(look.glyph), x: x, y: y, style: Style(foreground: color ? look.color : nil, bold: true))
            screen.write(" " + look.word, x: x + 1, y: y)
            x += look.word.count + 4 - (seatMap.source == .perSeat ? 1 : 0)
        }
        // How the map is kept fresh, so nobody mistakes a slow fallback for live data.
        let every = seconds(settings.pollInterval)
        let source = seatMap.source == .perSeat ? "seat by seat (old server)" : "live, every \(every)"
        if x + source.count + 2 < screen.width { screen.write(source, x: screen.width - source.count - 1, y: y) }
    }

    private func seats(_ screen: inout Screen, map: SeatMap) {
        let geometry = geometry
        let state = seatMap
        let across = geometry.visibleSeats(map)
        for offset in 0..<geometry.areaHeight {
            let index = state.top + offset
            guard let line = map.lines[safe: index] else { break }
            let y = MapGeometry.areaTop + offset
            switch line {
            case .blank:
                continue
            case .title(let s):
                let counts = map.sectionCounts[s]
                let dot = ascii ? "-" : "·"
                screen.write(
                    " \(map.sections[s].name)  \(counts.total) seats \(dot) inside \(counts.checkedIn) \(dot) sold \(counts.ticketsSold)",
                    x: 0, y: y, style: Style(bold: true))
            case .row(let s, let r):
                let row = map.sections[s].rows[r]
                let label = String(repeating: " ", count: map.rowLabelWidth - row.label.count) + row.label
                // The cursor's row is marked in text too, not only by the reversed seat.
                let marker = index == state.line ? (ascii ? ">" : "▸") : " "
                screen.write(marker + label, x: 0, y: y, style: Style(bold: index == state.line))
                if state.left > 0 { screen.write(ascii ? "<" : "‹", x: geometry.labelWidth(map) - 1, y: y) }
                let last = min(row.places.count, state.left + across)
                for i in state.left..<max(state.left, last) {
                    let place = map.places[row.places[i]]
                    let look = SeatLook.of(place.status, ascii: ascii)
                    let isCursor = index == state.line && i == state.column
                    screen.write(
                        String(look.glyph), x: geometry.x(ofSeat: i, left: state.left, map: map), y: y,
                        style: Style(foreground: color ? look.color : nil, bold: isCursor, reverse: isCursor))
                }
                if last < row.places.count {
                    screen.write(ascii ? ">" : "›", x: geometry.x(ofSeat: last, left: state.left, map: map), y: y)
                }
            }
        }
    }

    private func overview(_ screen: inout Screen, map: SeatMap) {
        let geometry = geometry
        let state = seatMap
        let barWidth = MapGeometry.tileWidth - 4
        for tileRow in 0..<geometry.tileRowsShown {
            for column in 0..<geometry.tilesAcross {
                let s = (state.overviewTop + tileRow) * geometry.tilesAcross + column
                guard s < map.sections.count else { break }
                let counts = map.sectionCounts[s]
                let x = column * MapGeometry.tileWidth + 1
                let y = MapGeometry.areaTop + tileRow * MapGeometry.tileHeight
                let selected = s == state.selectedSection
                let name = door.abbreviate(map.sections[s].name, barWidth)
                screen.write(
                    selected ? "[\(name)]" : " \(name) ", x: x, y: y, style: Style(bold: true, reverse: selected))
                bar(&screen, counts: counts, x: x + 1, y: y + 1, width: barWidth)
                screen.write(
                    "in \(percent(counts.checkedIn, of: counts.total)) sold \(percent(counts.ticketsSold, of: counts.total)) of \(counts.total)",
                    x: x + 1, y: y + 2)
            }
        }
    }

    /// A bar split by status: checked in, sold, held, then available, each in its
    /// own glyph as well as colour.
    private func bar(_ screen: inout Screen, counts: SeatMap.Counts, x: Int, y: Int, width: Int) {
        guard counts.total > 0 else { return }
        var drawn = 0
        let parts: [(SeatStatus?, Int)] = [(.checkedIn, counts.checkedIn), (.sold, counts.sold), (.held, counts.held)]
        for (status, count) in parts {
            let cells = Int((Double(count) / Double(counts.total) * Double(width)).rounded())
            let look = SeatLook.of(status, ascii: ascii)
            let n = min(cells, width - drawn)
            screen.write(String(repeating: look.glyph, count: n), x: x + drawn, y: y, style: Style(foreground: color ? look.color : nil))
            drawn += n
        }
        let rest = SeatLook.of(.available, ascii: ascii)
        screen.write(String(repeating: rest.glyph, count: width - drawn), x: x + drawn, y: y)
    }

    private func cursorLine(_ screen: inout Screen, map: SeatMap, y: Int) {
        let keys = ascii ? "arrows move  Enter details  z overview  [ ] hall  ? help" : "←↑↓→ move  Enter details  z overview  [ ] hall  ? help"
        var text: String
        if seatMap.zoomedOut {
            let s = seatMap.selectedSection
            text = " > \(map.sections[safe: s]?.name ?? "")  (Enter: show its seats)"
        } else if let place = seatMap.cursorPlace {
            let section = map.sections[place.section]
            let dot = ascii ? "-" : "·"
            text = " > \(section.name) \(dot) row \(section.rows[place.row].label) \(dot) seat \(place.number) \(dot) \(SeatLook.of(place.status, ascii: ascii).word.uppercased())"
        } else {
            text = ""
        }
        screen.write(text, x: 0, y: y, style: Style(bold: true))
        if text.displayWidth + keys.displayWidth + 2 < screen.width {
            screen.write(keys, x: screen.width - keys.displayWidth - 1, y: y)
        }
    }

    private func detailLines(_ detail: SeatMapState.Detail) -> [String] {
        switch detail {
        case .loading(let seatID):
            return ["Seat \(seatID)", "", ascii ? "reading..." : "reading…"]
        case .failed(let seatID, let message):
            return ["Seat \(seatID)", "", "could not read it: \(message)", "", "Esc closes"]
        case .seat(let seat):
            let dot = ascii ? "-" : "·"
            var lines = ["Seat \(seat.seatID)", "\(seat.section) \(dot) row \(seat.row) \(dot) seat \(seat.number)", ""]
            lines.append("Status      \(SeatLook.of(seat.status, ascii: ascii).word.uppercased())")
            switch seat.state {
            case .available:
                break
            case .held(let by, let until):
                lines.append("Held by     \(by) until \(door.clock(until))")
            case .sold(let owner, _):
                lines.append("Owner       \(owner)")
            case .checkedIn(let owner, _, let checkIn):
                lines.append("Owner       \(owner)")
                lines.append("Checked in  \(door.clock(checkIn.at)) at terminal \(checkIn.terminalID)")
            }
            lines.append("Changed     \(door.clock(seat.updatedAt)) (revision \(seat.revision))")
            if let annulResult { lines += [""] + wrap(annulResult, width: max(20, door.width - 10)) }
            if case .checkedIn = seat.state { lines += ["", "u undoes this admission · Enter or Esc closes"] } else { lines += ["", "Enter or Esc closes"] }
            return lines
        }
    }

    func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.displayWidth + word.displayWidth + 1 > width {
                lines.append(current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
