import Foundation
import UsherCore

extension TerminalState {
    /// The screen for the view on show.
    public func render() -> Screen {
        switch view {
        case .door:
            return door.render()
        case .seatMap, .occupancy:
            var screen = Screen(width: door.width, height: door.height)
            guard door.width >= 40, door.height >= 10 else {
                screen.write("too small", x: 0, y: 0)
                screen.write("need 40x10", x: 0, y: 1)
                return screen
            }
            if view == .seatMap { renderSeatMap(&screen) } else { renderOccupancy(&screen) }
            door.statusBar(&screen)
            if helpShown { door.box(&screen, lines: helpLines) }
            return screen
        }
    }

    typealias Style = Screen.Style

    /// The title on the left, the view tabs on the right.
    func header(_ screen: inout Screen, title: String) {
        screen.write(" USHER " + title, x: 0, y: 0, style: Style(bold: true))
        var x = screen.width
        for tab in TerminalView.allCases.reversed() where settings.allows(tab) {
            let label = " \(TerminalView.allCases.firstIndex(of: tab)! + 1) \(tab.title) "
            x -= label.count + 1
            screen.write(label, x: x, y: 0, style: tab == view ? Style(bold: true, reverse: true) : .plain)
        }
    }

    /// A line saying how fresh the numbers are; loud when they are not, or when the
    /// server's database is degraded (admissions on one machine only: a supervisor
    /// should know before the next machine fails).
    func freshness(lastUpdate: Date?, error: String?) -> (String, Style) {
        let updated = lastUpdate.map { "updated \(door.clock($0))" } ?? "loading…"
        let warn = ascii ? "!!" : "⚠"
        if let error {
            let style = color ? Style(foreground: .white, background: .red, bold: true) : Style(bold: true, reverse: true)
            return ("\(warn) STALE: \(error) (last \(updated))", style)
        }
        if let databaseWarning {
            let style = color ? Style(foreground: .black, background: .yellow, bold: true) : Style(bold: true, reverse: true)
            return ("\(warn) DATABASE \(databaseWarning) (\(updated))", style)
        }
        return (ascii ? updated.replacingOccurrences(of: "…", with: "...") : updated, .plain)
    }

    private var helpLines: [String] { Keymap.helpLines(for: view, viewsEnabled: settings.viewsEnabled) }

    /// "1 s", "2.5 s".
    func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// `part` of `whole` as a whole percentage.
    func percent(_ part: Int, of whole: Int) -> String {
        whole > 0 ? "\(Int((Double(part) / Double(whole) * 100).rounded()))%" : "-"
    }
}
