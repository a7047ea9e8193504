import Foundation
import UsherCore

extension TerminalState {
    func renderOccupancy(_ screen: inout Screen) {
        header(&screen, title: "occupancy")
        // Conflict alerts come first and push the table down: they need a supervisor now.
        let alert = conflictAlert(&screen, y: 1, lines: screen.height >= 20 ? 4 : 1)
        if let problem = occupancy.problem {
            for (i, line) in wrap(problem, width: screen.width - 4).enumerated() {
                screen.write(line, x: 2, y: 2 + alert + i, style: Style(bold: true))
            }
            return
        }
        let (fresh, freshStyle) = freshness(lastUpdate: occupancy.report?.asOf, error: occupancy.lastError)
        screen.write(" " + door.abbreviate(fresh, screen.width - 2) + " ", x: 0, y: 1 + alert, style: freshStyle)
        guard let report = occupancy.report else { return }

        // Names take what the numbers leave; the numbers keep fixed columns.
        let numbers = "  SEATS    SOLD  ADMIT  INSIDE      %  ARRIVALS 15 MIN   NOW"
        let nameWidth = max(16, screen.width - numbers.count - 2)
        let hallWidth = max(10, nameWidth * 2 / 5)
        let eventWidth = nameWidth - hallWidth - 1
        screen.write(
            " " + door.pad("HALL", hallWidth) + " " + door.pad("EVENT", eventWidth) + numbers, x: 0, y: 3 + alert,
            style: Style(bold: true))
        var y = 4 + alert
        var total = (capacity: 0, sold: 0, admitted: 0, inside: 0, arrivals: Array(repeating: 0, count: HallOccupancy.window))
        for (index, hall) in report.halls.enumerated() {
            // The total is of events not over yet: an ended show has nobody inside now.
            if hall.endsAt > report.asOf {
                total.capacity += hall.capacity
                total.sold += hall.ticketsSold
                total.admitted += hall.checkedIn
                total.inside += hall.insideNow
                for (m, count) in padded(hall.admissionsPerMinute).enumerated() { total.arrivals[m] += count }
            }
            guard y < screen.height - 4 else { continue }
            let selected = index == occupancy.selected
            let event = hall.eventName + eventState(hall, now: report.asOf)
            let line = " " + door.pad(door.abbreviate(hall.hallName, hallWidth), hallWidth) + " "
                + door.pad(door.abbreviate(event, eventWidth), eventWidth)
                + numberColumns(
                    capacity: hall.capacity, sold: hall.ticketsSold, admitted: hall.checkedIn, inside: hall.insideNow,
                    arrivals: hall.admissionsPerMinute)
            screen.write(door.pad(line, screen.width), x: 0, y: y, style: selected ? Style(reverse: true) : .plain)
            // The sparkline in the arrivals colour, unless the row is highlighted.
            if !selected && color {
                let x = 1 + hallWidth + 1 + eventWidth + 2 + 5 + 2 + 6 + 2 + 5 + 2 + 6 + 2 + 5 + 2
                screen.write(Sparkline.render(padded(hall.admissionsPerMinute), ascii: ascii), x: x, y: y, style: Style(foreground: .green))
            }
            y += 1
        }
        if report.halls.count > 1 && y < screen.height - 3 {
            let line = " " + door.pad("ALL HALLS", hallWidth) + " " + door.pad("(events not over)", eventWidth)
                + numberColumns(
                    capacity: total.capacity, sold: total.sold, admitted: total.admitted, inside: total.inside,
                    arrivals: total.arrivals)
            screen.write(line, x: 0, y: y, style: Style(bold: true))
            y += 1
        }
        if report.halls.isEmpty { screen.write(" no events in this venue", x: 0, y: y) }
        let note = "ADMIT: checked in. INSIDE: admitted and not scanned out. % is inside of seats."
        if y + 1 < screen.height - 2 { screen.write(" " + door.abbreviate(note, screen.width - 2), x: 0, y: y + 1) }
        // Each door's in and out over the window, for the selected show.
        if y + 2 < screen.height - 2, report.halls.indices.contains(occupancy.selected) {
            let flows = report.halls[occupancy.selected].doorFlows
            let dot = ascii ? " - " : " · "
            let text =
                flows.isEmpty
                ? "nobody in or out in \(HallOccupancy.window) min"
                : flows.map { flow in
                    // Only what happened: most doors only let people in, or only out.
                    ([flow.terminalID] + (flow.entries > 0 ? ["in \(flow.entries)"] : [])
                        + (flow.exits > 0 ? ["out \(flow.exits)"] : [])).joined(separator: " ")
                }.joined(separator: dot)
            screen.write(" " + door.abbreviate("DOORS, \(HallOccupancy.window) MIN: " + text, screen.width - 2), x: 0, y: y + 2)
        }
        // Every door and how it stands, under the halls they fill.
        doorList(&screen, y: y + 4, bottom: screen.height - 2)
        let keys = ascii ? "up/down select  Enter seat map  r reload  ? help" : "↑↓ select  Enter seat map  r reload  ? help"
        screen.write(keys, x: max(0, screen.width - keys.displayWidth - 1), y: screen.height - 2)
    }

    private func numberColumns(capacity: Int, sold: Int, admitted: Int, inside: Int, arrivals: [Int]) -> String {
        "  " + right(capacity, 5) + "  " + right(sold, 6) + "  " + right(admitted, 5) + "  " + right(inside, 6) + "  "
            + right(percent(inside, of: capacity), 5) + "  " + Sparkline.render(padded(arrivals), ascii: ascii)
            + "  " + right(arrivals.last ?? 0, 4)
    }

    /// Exactly the window's length: a short series (an older server) pads with zeros on the left.
    private func padded(_ values: [Int]) -> [Int] {
        let tail = Array(values.suffix(HallOccupancy.window))
        return Array(repeating: 0, count: HallOccupancy.window - tail.count) + tail
    }

    /// By the admission window, as the table's order: doors not yet open, or over.
    private func eventState(_ hall: HallOccupancy, now: Date) -> String {
        switch hall.window.position(at: now) {
        case .beforeDoors: " (doors \(door.clock(hall.doorsAt)))"
        case .ended: " (ended)"
        case .open: ""
        }
    }

    private func right(_ value: Int, _ width: Int) -> String { right(String(value), width) }

    private func right(_ text: String, _ width: Int) -> String {
        text.displayWidth >= width ? text : String(repeating: " ", count: width - text.displayWidth) + text
    }
}
