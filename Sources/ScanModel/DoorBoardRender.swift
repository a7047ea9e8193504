import Foundation
import UsherCore

extension TerminalState {
    /// The door list under the occupancy table, from row `y` down to `bottom`
    /// (exclusive): a heading that counts the doors needing a look, then one line per
    /// door, those first. Returns the rows used.
    @discardableResult
    func doorList(_ screen: inout Screen, y: Int, bottom: Int) -> Int {
        // A venue without door devices (or an older server) has no list to show.
        guard bottom - y >= 2, let board = doorBoard.board, !board.doors.isEmpty else { return 0 }
        let doors = doorBoard.doors
        let problems = doors.filter { $0.condition.isProblem }.count
        var heading = "DOORS (\(doors.count))"
        if problems > 0 { heading += (ascii ? " - " : " · ") + "\(problems) need\(problems == 1 ? "s" : "") a look" }
        if let error = doorBoard.lastError { heading += (ascii ? " - " : " · ") + "STALE: \(error)" }
        screen.write(" " + door.abbreviate(heading, screen.width - 2), x: 0, y: y, style: Style(bold: true))
        let nameWidth = min(24, max(8, doors.map { $0.door.terminalID.displayWidth }.max() ?? 8))
        let hallWidth = min(12, max(4, doors.map { $0.door.hallID.displayWidth }.max() ?? 4))
        // Rows under the heading; when the doors do not all fit, the last one says how
        // many were left out rather than cutting one off unseen (problems come first).
        let rows = bottom - y - 1
        let shown = doors.count <= rows ? doors.count : rows - 1
        var row = y + 1
        for (status, condition) in doors.prefix(shown) {
            let (word, detail) = describe(status, condition, now: board.serverTime)
            let line = " " + door.pad(door.abbreviate(status.terminalID, nameWidth), nameWidth) + "  "
                + door.pad(door.abbreviate(status.hallID, hallWidth), hallWidth) + "  " + door.pad(word, 12) + "  " + detail
            let style: Style
            switch condition {
            case .online: style = .plain
            case .noContact, .offline:
                style = color ? Style(foreground: .red, bold: true) : Style(bold: true)
            case .neverSynced, .overridesLocked:
                style = color ? Style(foreground: .yellow, bold: true) : Style(bold: true)
            }
            screen.write(door.abbreviate(line, screen.width), x: 0, y: row, style: style)
            row += 1
        }
        if shown < doors.count {
            screen.write(" \(ascii ? "..." : "…") \(doors.count - shown) more", x: 0, y: row)
            row += 1
        }
        return row - y
    }

    /// The state in one word, and the rest: when it last synced, what waits to upload, its clock.
    private func describe(_ status: DoorStatus, _ condition: DoorCondition, now: Date) -> (String, String) {
        let dot = ascii ? " - " : " · "
        var parts: [String] = []
        let word: String
        switch condition {
        case .neverSynced:
            return ("NEVER SYNCED", "cannot check offline")
        case .noContact(let lastSyncAt):
            word = "NO CONTACT"
            // Cannot reach the server (so it checks offline) or is switched off.
            parts.append("last sync \(door.clock(lastSyncAt)) (\(door.durationWords(now.timeIntervalSince(lastSyncAt))) ago)")
        case .offline(let forced):
            word = "OFFLINE"
            parts.append(forced ? "pinned by staff" : "checking locally")
        case .online, .overridesLocked:
            word = status.overridesLockedUntil.map { $0 > now } == true ? "PIN LOCKED" : "ONLINE"
            if let at = status.lastSyncAt { parts.append("synced \(door.durationWords(now.timeIntervalSince(at))) ago") }
        }
        if let until = status.overridesLockedUntil, until > now {
            parts.insert("overrides locked until \(door.clock(until))", at: 0)
        }
        if let report = status.report {
            if report.pendingUploads > 0 {
                parts.append("\(report.pendingUploads) to upload")
            }
            if abs(report.clockSkew) > DoorSyncStatus.skewWarning {
                parts.append("clock \(report.clockSkew > 0 ? "+" : "-")\(door.durationWords(abs(report.clockSkew)))")
            }
        }
        return (word, parts.joined(separator: dot))
    }
}
