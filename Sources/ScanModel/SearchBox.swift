import Foundation
import UsherCore

/// The door's search (`/`): what staff type, and what the server found. Online
/// only: the door holds no owner ids or orders to search offline.
public struct SearchBox: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case typing
        /// Asked the server for `query`.
        case searching(String)
        case found(String, SeatSearchResult)
        case failed(String)
    }

    public var query = ""
    public var state = State.typing
    /// The result staff point at (up and down): Enter admits it.
    public var selected = 0

    public init() {}

    /// What a key did.
    public enum Step: Sendable, Hashable {
        case editing(SearchBox)
        /// Enter: search the server for this.
        case search(SearchBox, query: String)
        case close
        /// A scanner fired into the box (its code and Enter): a scan.
        case scan(String)
        /// Enter on a result: admit that seat (a scan of its own, without a code).
        case admit(Seat)
    }

    /// The results Enter may admit: those found for what the box still says.
    var results: [Seat] {
        guard case .found(let found, let result) = state, found == query.trimmingCharacters(in: .whitespaces) else { return [] }
        return result.seats
    }

    /// Keys reach the box as typed (a person's text is no scanner burst), so a
    /// scanner firing into it is caught here: its code and Enter, after whatever
    /// was typed before it, is a scan, whole (a code is about 190 characters).
    public func key(_ key: TerminalKey) -> Step {
        var box = self
        switch key {
        case .enter:
            if let code = ScannerInput.ticketCode(in: query) { return .scan(code) }
            if results.indices.contains(selected) { return .admit(results[selected]) }
            do {
                let search = try SeatSearch(query)
                box.state = .searching(search.text)
                return .search(box, query: search.text)
            } catch {
                box.state = .failed("\(error)")
                return .editing(box)
            }
        case .escape:
            return .close
        case .backspace:
            box.query = String(query.dropLast())
            box.state = .typing
            box.selected = 0
        case .character(let c):
            guard query.count < ScannerInput.maximumLength else { return .editing(self) }
            box.query.append(c)
            box.state = .typing
            box.selected = 0
        case .up:
            box.selected = max(0, selected - 1)
        case .down:
            box.selected = min(max(0, results.count - 1), selected + 1)
        case .tab, .interrupt, .left, .right, .pageUp, .pageDown, .home, .end:
            break
        }
        return .editing(box)
    }

    /// The server's answer, if it is for what the box still asks.
    public mutating func answer(_ query: String, _ result: Result<SeatSearchResult, CallFailure>) {
        guard state == .searching(query) else { return }
        switch result {
        case .success(let found):
            state = .found(query, found)
            selected = 0
        case .failure(let failure): state = .failed(failure.message)
        }
    }

    /// The box's lines, at most `rows` of them.
    public func lines(rows: Int, ascii: Bool) -> [String] {
        var lines = ["Find a guest: seat (A 12), order id or owner id", "", "> " + query + "_", ""]
        switch state {
        case .typing:
            lines.append("Enter searches, Esc closes")
        case .searching:
            lines.append(ascii ? "searching..." : "searching…")
        case .failed(let message):
            lines.append("Could not search: \(message)")
        case .found(let query, let result):
            if result.tooMany {
                lines.append("More than \(SeatSearch.limit) seats match \"\(query)\": narrow it down")
            } else if result.seats.isEmpty {
                lines.append("No seat, order or owner matches \"\(query)\"")
            } else {
                let room = max(1, rows - lines.count - 2)
                let dot = ascii ? "-" : "·"
                // The window of results keeps the selected one in view.
                let first = max(0, min(selected - room + 1, result.seats.count - room))
                for (index, seat) in result.seats.enumerated().dropFirst(first).prefix(room) {
                    let status = SeatLook.of(seat.status, ascii: ascii)
                    let mark = index == selected ? (ascii ? ">" : "▸") : " "
                    lines.append(
                        "\(mark) \(status.glyph) \(seat.section) \(dot) row \(seat.row) \(dot) seat \(seat.number)  \(status.word.uppercased())  \(seat.seatID)")
                }
                if result.seats.count > room {
                    lines.append("\(ascii ? "..." : "…") \(result.seats.count) in all: narrow it down")
                }
                let arrows = ascii ? "up/down" : "↑↓"
                lines.append("\(result.seats.count) found \(dot) \(arrows) pick \(dot) Enter admits the guest (no code) \(dot) Esc closes")
            }
        }
        return lines
    }
}
