import Foundation
import UsherCore

extension TerminalState {
    /// The conflict alert box from row `y`, full width in the denial colour (reverse
    /// video in monochrome): the newest conflict on the first line, up to `lines`
    /// rows in all, the last one saying how to acknowledge. Returns the rows used
    /// (0 without unacknowledged conflicts).
    func conflictAlert(_ screen: inout Screen, y: Int, lines: Int) -> Int {
        let lines = min(lines, conflicts.open.count + 1)
        let open = conflicts.open
        guard !open.isEmpty, lines > 0 else { return 0 }
        let style = color ? Style(foreground: .white, background: .red, bold: true) : Style(bold: true, reverse: true)
        let headline = "! \(open.count) CONFLICT\(open.count == 1 ? "" : "S")  "
        let indent = String(repeating: " ", count: headline.count)
        let hint =
            conflicts.acknowledging != nil
            ? "acknowledging..."
            : conflicts.lastError ?? "a acknowledges the top one (it is dealt with)"
        // One line: the newest and the key. More: the next ones under it, then the key.
        var text: [String]
        if lines == 1 {
            text = [headline + open[0].message + "  [a]"]
        } else {
            let shown = open.prefix(lines - 1)
            text = shown.enumerated().map { ($0.offset == 0 ? headline : indent) + $0.element.message }
            let more = open.count - shown.count
            text.append(indent + (more > 0 ? "+\(more) more  " : "") + hint)
        }
        screen.fill(x: 0, y: y, width: screen.width, height: text.count, style: style)
        for (index, line) in text.enumerated() {
            screen.write(" " + door.abbreviate(asciiSafe(line), screen.width - 2), x: 0, y: y + index, style: style)
        }
        return text.count
    }

    /// Server sentences may carry typography; ASCII mode shows none.
    private func asciiSafe(_ text: String) -> String {
        guard ascii else { return text }
        let plain = text.replacingOccurrences(of: "·", with: "-").replacingOccurrences(of: "…", with: "...")
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
        return String(String.UnicodeScalarView(plain.unicodeScalars.map { $0.isASCII ? $0 : "?" }))
    }
}
