import Foundation
import UsherCore

extension DoorState {
    /// The whole screen for the current state and size.
    public func render() -> Screen {
        var screen = Screen(width: width, height: height)
        guard width >= 20, height >= 8 else {
            screen.write("too small", x: 0, y: 0)
            screen.write("need 20x8", x: 0, y: 1)
            return screen
        }
        let ascii = settings.ascii
        let bannerHeight = max(5, min(9, height / 3))
        header(&screen)
        banner(&screen, top: 1, height: bannerHeight)
        // The bottom belongs to the status bar (two rows offline) and the clock warning.
        let warning = clockWarning
        let bottom = height - statusRows - (warning == nil ? 0 : 1)
        var row = 1 + bannerHeight
        for line in detailLines() where row < bottom {
            screen.write(" " + abbreviate(line, width - 2), x: 0, y: row)
            row += 1
        }
        row = max(row, 1 + bannerHeight + 3)
        if row < bottom {
            screen.write(" " + countersLine(), x: 0, y: row, style: Style(bold: true))
            row += 1
        }
        if row < bottom - 1 {
            screen.write(" TIME      SEAT                          VERDICT        LATENCY", x: 0, y: row, style: Style(bold: true))
            row += 1
            for record in recent where row < bottom {
                let verdict = record.result.map { VerdictLook.of($0, ascii: ascii) }
                let word: String
                switch record.state {
                case .verdict: word = verdict.map { "\($0.glyph) \($0.word)" } ?? ""
                case .validNotAdmitted: word = "\(VerdictLook.of(.success, ascii: ascii).glyph) VALID"
                case .checking: word = ascii ? "... CHECKING" : "… CHECKING"
                case .notChecked: word = ascii ? "!! NOT CHECKED" : "⚠ NOT CHECKED"
                case .annulled: word = ascii ? "<- ANNULLED" : "↶ ANNULLED"
                case .exited: word = ascii ? "-> OUT" : "→ OUT"
                }
                let seat = record.seat.isEmpty ? (ascii ? "-" : "—") : record.seat
                let latency = record.state == .checking ? "" : milliseconds(record.latency)
                let decided = record.offline ? pad(latency, 8) + "  OFFLINE" : latency
                screen.write(
                    " " + clock(record.at) + "  " + pad(seat, 28) + "  " + pad(word, Self.verdictColumn) + " " + decided,
                    x: 0, y: row, style: Style(foreground: settings.color ? verdict?.color : nil))
                row += 1
            }
        }
        if let warning {
            let style = settings.color ? Style(foreground: .black, background: .yellow, bold: true) : Style(bold: true, reverse: true)
            screen.fill(x: 0, y: bottom, width: width, height: 1, style: style)
            screen.write(abbreviate(" \(settings.ascii ? "!!" : "⚠") \(warning)", width), x: 0, y: bottom, style: style)
        }
        statusBar(&screen, rows: statusRows)
        overlay(&screen)
        return screen
    }

    typealias Style = Screen.Style

    /// The history's verdict column: as wide as its widest word, "!! NOT CHECKED".
    static let verdictColumn = 14

    private func header(_ screen: inout Screen) {
        let dot = settings.ascii ? "-" : "·"
        let modeWord =
            mode == .auto ? "AUTO" : link.isOffline ? "CONFIRM paused offline: scans admit at once" : "CONFIRM: Enter admits"
        // A door that can count people out says which way it counts now.
        let way = settings.directions == .entry ? "" : " \(dot) \(direction == .entry ? "ENTRY" : "EXIT")"
        let kioskWord = !settings.kiosk ? "" : kioskLocked ? " \(dot) KIOSK" : " \(dot) KIOSK UNLOCKED"
        let title = " USHER door \(dot) hall \(settings.hallID) \(dot) \(eventWords)\(way) \(dot) \(modeWord)\(kioskWord)"
        screen.write(abbreviate(title, width), x: 0, y: 0, style: Style(bold: true))
        // The hint shrinks before the event's name does: staff must see which show they admit.
        let hints =
            settings.viewsEnabled
            ? ["? help  c mode  i image  Tab views  q quit ", "? help  Tab views  q quit ", "? help "]
            : ["? help  c mode  i image  q quit ", "? help  q quit ", "? help "]
        if let keys = hints.first(where: { title.displayWidth + $0.displayWidth < width }) {
            screen.write(keys, x: width - keys.displayWidth, y: 0)
        }
    }

    /// Which show this door admits: the pinned event, or the hall's current event
    /// by the one rule (the open window), or a plea to pin the door.
    var eventWords: String {
        if let pinned = settings.eventID {
            guard let schedule else { return "event \(pinned) only" }
            guard let event = schedule.events.first(where: { $0.eventID == pinned }) else {
                return "event \(pinned) is not in this hall"
            }
            switch event.position(at: now) {
            case .open: return "\(event.name) only"
            case .beforeDoors: return "\(event.name) only, doors \(hoursMinutes(event.doorsAt))"
            case .ended: return "\(event.name) only, ended"
            }
        }
        if let scheduleProblem { return scheduleProblem }
        switch currentEvent {
        case nil: return "loading events"
        case .open(let event)?: return event.name
        case .overlapping(let events)?: return "\(events.count) shows open at once: pin this door (--event)"
        case .upcoming(let event)?: return "closed: \(event.name) doors \(hoursMinutes(event.doorsAt))"
        case .ended(let event)?: return "closed: \(event.name) ended"
        case CurrentEvent.none?: return "no events in this hall"
        }
    }

    private func banner(_ screen: inout Screen, top: Int, height: Int) {
        let ascii = settings.ascii
        switch banner {
        case .ready:
            frame(&screen, top: top, height: height, style: .plain)
            let ready =
                settings.directions == .entry ? "READY" : direction == .entry ? "READY: ENTRY" : "READY: EXIT (scans let guests out)"
            screen.center(ready, y: top + height / 2 - 1, style: Style(bold: true))
            let switchHint = settings.directions == .both ? (ascii ? " - x switches entry / exit" : " · x switches entry / exit") : ""
            screen.center("scan a ticket, or press i to open an image" + switchHint, y: top + height / 2 + 1)
        case .checking(let scan):
            frame(&screen, top: top, height: height, style: .plain)
            screen.center(ascii ? "... CHECKING" : "… CHECKING", y: top + height / 2 - 1, style: Style(bold: true))
            screen.center(abbreviate(scan.code, width - 4), y: top + height / 2 + 1)
        case .verdict(let report, let admitted, _):
            let look = VerdictLook.of(report.result, ascii: ascii)
            let style = bannerStyle(look.color)
            screen.fill(x: 0, y: top, width: width, height: height, style: style)
            let pattern = String(repeating: look.glyph + "   ", count: max(1, width / (look.glyph.displayWidth + 3)))
            screen.center(pattern.prefix(columns: width - 2), y: top, style: style)
            screen.center("\(look.glyph)  \(look.word)  \(look.glyph)", y: top + height / 2 - 1, style: style)
            let subtitle =
                report.verdict.reason == .exit
                ? "OUT: the guest may leave and come back"
                : admitted
                ? (report.replayed
                    ? "ADMIT (this scan was admitted before its answer was lost)"
                    : report.verdict.reason == .reentry ? "ADMIT (re-entry)" : "ADMIT")
                : (report.result == .success ? "valid ticket (not admitted)" : "DO NOT ADMIT")
            screen.center(subtitle, y: top + height / 2, style: style)
            screen.center(abbreviate(report.verdict.message, width - 4), y: top + height / 2 + 1, style: style)
            screen.center(pattern.prefix(columns: width - 2), y: top + height - 1, style: style)
            if let mark = report.offline {
                // Under the message when there is room, else instead of the bottom pattern.
                let y = min(top + height / 2 + 2, top + height - 1)
                screen.fill(x: 0, y: y, width: width, height: 1, style: style)
                screen.center(abbreviate(offlineMarker(mark), width - 4), y: y, style: style)
            }
        case .preview(let report, _):
            let style = bannerStyle(.cyan)
            screen.fill(x: 0, y: top, width: width, height: height, style: style)
            let glyph = VerdictLook.of(.success, ascii: ascii).glyph
            screen.center("\(glyph)  VALID  \(glyph)", y: top + height / 2 - 1, style: style)
            screen.center("press Enter to admit, Esc to skip", y: top + height / 2, style: style)
            screen.center(abbreviate(report.verdict.message, width - 4), y: top + height / 2 + 1, style: style)
        case .unchecked(let message):
            let style = bannerStyle(.red)
            screen.fill(x: 0, y: top, width: width, height: height, style: style)
            let warn = ascii ? "!!" : "⚠"
            screen.center("\(warn)  NOT CHECKED  \(warn)", y: top + height / 2 - 1, style: style)
            screen.center("the scan could not be checked: do not admit on this screen", y: top + height / 2, style: style)
            screen.center(abbreviate(message, width - 4), y: top + height / 2 + 1, style: style)
        case .pick(let codes):
            frame(&screen, top: top, height: height, style: .plain)
            screen.center("\(codes.count) codes in the image: press 1–\(codes.count) to check one", y: top + 1, style: Style(bold: true))
            for (index, code) in codes.enumerated() where top + 2 + index < top + height - 1 {
                screen.write("  \(index + 1)  \(abbreviate(code, width - 10))", x: 1, y: top + 2 + index)
            }
        case .annulling(_, let seat):
            frame(&screen, top: top, height: height, style: .plain)
            screen.center(ascii ? "... UNDOING" : "… UNDOING", y: top + height / 2 - 1, style: Style(bold: true))
            screen.center(abbreviate("the admission of " + (seat.isEmpty ? "the last guest" : "seat \(seat)"), width - 4), y: top + height / 2 + 1)
        case .overriding(_, let supervisor):
            frame(&screen, top: top, height: height, style: .plain)
            screen.center(ascii ? "... CHECKING THE PIN" : "… CHECKING THE PIN", y: top + height / 2 - 1, style: Style(bold: true))
            screen.center(abbreviate("override by \(supervisor): the guest waits", width - 4), y: top + height / 2 + 1)
        case .notice(let message):
            frame(&screen, top: top, height: height, style: .plain)
            screen.center(abbreviate(message, width - 4), y: top + height / 2, style: Style(bold: true))
            screen.center("press any key", y: top + height / 2 + 1)
        }
    }

    private func bannerStyle(_ color: Screen.Color) -> Style {
        settings.color
            ? Style(foreground: .black, background: color, bold: true)
            : Style(bold: true, reverse: true)
    }

    private func frame(_ screen: inout Screen, top: Int, height: Int, style: Style) {
        let horizontal = settings.ascii ? "-" : "─"
        screen.write(String(repeating: horizontal, count: width), x: 0, y: top, style: style)
        screen.write(String(repeating: horizontal, count: width), x: 0, y: top + height - 1, style: style)
    }

    private func detailLines() -> [String] {
        let report: ScanReport
        switch banner {
        case .verdict(let shown, _, _), .preview(let shown, _): report = shown
        default: return []
        }
        var lines: [String] = []
        if let seat = report.seat {
            let hall = report.hallName.map { "\($0) (\(seat.hallID))" } ?? seat.hallID
            var line = "Seat   \(hall) · \(seat.section) · row \(seat.row) · seat \(seat.number)"
            // An offline verdict's seat has no owner: a door never holds one.
            if let owner = seat.state.ownerUserID, !owner.isEmpty { line += " · owner \(owner)" }
            lines.append(settings.ascii ? line.replacingOccurrences(of: "·", with: "-") : line)
            if let event = report.eventName { lines.append("Event  \(event)") }
        } else if report.offline?.seatUnsynced == true {
            lines.append("Seat   not in this door's copy yet (sold after the last sync)")
        } else {
            lines.append("Seat   none: the code names no seat")
        }
        switch report.verdict.reason {
        case .alreadyCheckedIn:
            if let first = report.verdict.firstCheckIn {
                lines.append("First admitted \(dateTime(first.at)) at terminal \(first.terminalID)")
            }
        case .wrongHall:
            lines.append("This ticket is for hall \(report.seat?.hallID ?? "?"); this door is hall \(settings.hallID)")
        case .wrongEvent:
            let pinned = schedule?.events.first { $0.eventID == settings.eventID }?.name ?? settings.eventID
            lines.append("Reason: wrong show: this door admits \(pinned ?? "another show") only")
        case .notYetValid:
            lines.append("Reason: too early: the ticket's show has not opened its doors")
        case .eventEnded:
            lines.append(report.verdict.message)
        case .badSignature: lines.append("Reason: forged (the signature does not match)")
        case .revokedByTransfer: lines.append("Reason: revoked by transfer (the ticket was re-issued to someone else)")
        case .unknownSeat: lines.append("Reason: unknown seat")
        case .unknownKey: lines.append("Reason: signed by an unknown key")
        case .malformed: lines.append("Reason: not a ticket code (damaged or misread)")
        case .holdNotPaid: lines.append("Reason: the seat is on hold and not paid")
        case .offlineConflict: lines.append("Reason: already admitted (an offline admission the server refused)")
        case .override: lines.append(report.verdict.message)
        case .reentry, .exit: break  // the banner says it whole
        case .notSold: lines.append("Reason: the seat was never sold")
        case .valid: break
        }
        // What staff can do about it, where a supervisor may: said where the eye already is.
        if case .verdict(_, false, _) = banner, report.offline == nil, OverridePolicy.mayOverride(report.verdict.reason) {
            lines.append("o  let the guest in anyway, with a supervisor's PIN")
        }
        return lines
    }

    private func countersLine() -> String {
        let separator = settings.ascii ? " | " : " │ "
        let denials = [ScanResult.duplicate, .wrongHall, .unpaid, .notFound, .expired]
            .map { "\(VerdictLook.of($0, ascii: settings.ascii).short) \(denied[$0, default: 0])" }
            .joined(separator: " ")
        let p95 = p95Latency.map(milliseconds) ?? "–"
        let out = settings.directions == .entry ? "" : "\(separator)Out \(exited)"
        let line = "In \(admitted)\(out)\(separator)Denied \(denials)\(separator)\(scansPerMinute)/min\(separator)p95 \(p95)"
        return settings.ascii ? line.replacingOccurrences(of: "·", with: ",").replacingOccurrences(of: "–", with: "-") : line
    }

    /// Rows the status bar takes at the bottom of the door view: offline it grows
    /// into a two-row banner nobody can miss; online, offline scans still uploading
    /// get a row of their own.
    var statusRows: Int { statusLines().lines.count }

    /// The bottom `rows` rows (the supervisor views give it one, the most important
    /// line): connection, clock, and where scans are decided.
    func statusBar(_ screen: inout Screen, rows: Int = 1) {
        let all = statusLines()
        let lines = rows >= all.lines.count ? all.lines : [all.lines[all.primary]]
        let style: Style
        switch (link.isOffline, connection.status) {
        case (true, _), (false, .offline):
            style = settings.color ? Style(foreground: .white, background: .red, bold: true) : Style(bold: true, reverse: true)
        case (false, .online): style = settings.color ? Style(foreground: .black, background: .white) : Style(reverse: true)
        case (false, .degraded): style = settings.color ? Style(foreground: .black, background: .yellow, bold: true) : Style(bold: true, reverse: true)
        }
        let top = height - lines.count
        screen.fill(x: 0, y: top, width: width, height: lines.count, style: style)
        for (index, line) in lines.enumerated() {
            screen.write(abbreviate(line, width), x: 0, y: top + index, style: style)
        }
    }

    /// Top to bottom, and which one a single row shows. Most important first on
    /// each line, since the right end is cut on narrow screens.
    private func statusLines() -> (lines: [String], primary: Int) {
        let separator = settings.ascii ? " | " : " │ "
        let dot = settings.ascii ? " - " : " · "
        // With several servers, the one calls go to now (the one that answered last).
        let place = "\(separator)server \(connection.server ?? settings.server)\(separator)hall \(settings.hallID)\(separator)staff \(settings.staffID)"
            + "\(separator)\(settings.terminalID) "
        guard link.isOffline else {
            let state: String
            switch connection.status {
            case .online: state = "ONLINE"
            case .degraded: state = "DEGRADED"
            case .offline: state = "OFFLINE"
            }
            let marker = settings.ascii ? "*" : "●"
            let latency = connection.lastLatency.map { " " + milliseconds($0) } ?? ""
            let forced = link.force == .forcedOnline ? "\(dot)forced online: f for automatic" : ""
            // The connection state and the clock matter most: they go first.
            // When the local copy was last brought up to date: a door that shows it is
            // ready to check offline the moment the server goes.
            let synced = sync.map { "\(separator)synced \(clock($0.lastSyncAt))" } ?? ""
            let status = " \(marker) \(state)\(latency)\(forced)\(separator)\(clock(now))\(synced)\(place)"
            var uploads: [String] = []
            if journal.pending > 0 { uploads.append("uploading \(journal.pending) offline scan\(journal.pending == 1 ? "" : "s")") }
            if journal.conflicts > 0 {
                uploads.append("\(journal.conflicts) conflict\(journal.conflicts == 1 ? "" : "s") sent to supervisors")
            }
            if journal.refused > 0 { uploads.append("\(journal.refused) refused by the server: tell a supervisor") }
            guard !uploads.isEmpty else { return ([status], 0) }
            return ([" " + uploads.joined(separator: dot), status], 1)
        }
        var first = " OFFLINE: checking locally\(dot)"
        if let sync {
            first += "last sync \(clock(sync.lastSyncAt)) (\(durationWords(now.timeIntervalSince(sync.lastSyncAt))) ago)"
        } else {
            first += "never synced"
        }
        if journal.pending > 0 { first += "\(dot)\(journal.pending) to upload" }
        if journal.conflicts > 0 { first += "\(dot)\(journal.conflicts) conflict\(journal.conflicts == 1 ? "" : "s") sent" }
        let back =
            link.force == .forcedOffline
            ? " forced: f for automatic"
            : link.waitsForUploads
                ? " server back: online once the offline scans are uploaded"
                : " back online after \(DoorLink.probesToReturn) good checks (\(link.goodProbes)/\(DoorLink.probesToReturn))"
        var second = back + separator + clock(now)
        if let since = link.offlineSince, let why = link.offlineWhy { second += "\(separator)since \(clock(since)): \(why)" }
        return ([first, second + place], 0)
    }

    /// The clock check: offline admissions are stamped and windows judged by this
    /// terminal's clock, so a clock that is off must be seen (online too).
    public var clockWarning: String? {
        guard let sync, sync.skewNeedsWarning else { return nil }
        let side = sync.clockSkew > 0 ? "ahead of" : "behind"
        return "CLOCK: this terminal is \(durationWords(abs(sync.clockSkew))) \(side) the server"
    }

    /// What an offline verdict carries on its banner.
    private func offlineMarker(_ mark: OfflineMark) -> String {
        let dot = settings.ascii ? " - " : " · "
        return "OFFLINE VERDICT (local check)" + (mark.seatUnsynced ? "\(dot)seat not yet synced: admitted on the code" : "")
    }

    /// "40 s", "2 min 0 s", "3 h 5 min".
    func durationWords(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval.rounded()))
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    private func overlay(_ screen: inout Screen) {
        let lines: [String]
        switch overlay {
        case .none: return
        case .help:
            lines = Keymap.helpLines(for: .door, viewsEnabled: settings.viewsEnabled)
        case .confirmQuit:
            lines = ["A scan is still being checked.", "", "Quit anyway? y / n"]
        case .openImage(let path):
            lines = ["Open an image (PNG or JPEG):", "", "> " + path + "_", "", "Enter opens, Esc cancels"]
        case .annul(let draft):
            lines = draft.lines(clock: clock)
        case .search(let box):
            lines = box.lines(rows: height - 4, ascii: settings.ascii)
        case .override(let draft):
            lines = draft.lines()
        case .unlock(let unlock):
            lines = unlock.lines()
        }
        box(&screen, lines: lines)
    }

    /// A centred reverse-video box of `lines` over whatever is on screen (help,
    /// questions, prompts, seat details).
    func box(_ screen: inout Screen, lines: [String]) {
        let boxWidth = min(screen.width - 2, max(40, (lines.map(\.displayWidth).max() ?? 0) + 4))
        let left = (screen.width - boxWidth) / 2
        let top = max(1, (screen.height - lines.count - 2) / 2)
        let style = Style(reverse: true)
        screen.fill(x: left, y: top, width: boxWidth, height: lines.count + 2, style: style)
        for (index, line) in lines.enumerated() {
            screen.write(abbreviate(line, boxWidth - 4), x: left + 2, y: top + 1 + index, style: style)
        }
    }

    // MARK: formatting

    func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return [c.hour, c.minute, c.second].map { String(format: "%02d", $0 ?? 0) }.joined(separator: ":")
    }

    private func dateTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d ", c.year ?? 0, c.month ?? 0, c.day ?? 0) + clock(date)
    }

    func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return ms < 10 ? String(format: "%.1f ms", ms) : String(format: "%.0f ms", ms)
    }

    /// `text` cut or padded to exactly `width` terminal columns.
    func pad(_ text: String, _ width: Int) -> String {
        let cut = text.prefix(columns: width)
        return cut + String(repeating: " ", count: max(0, width - cut.displayWidth))
    }

    /// `text` in at most `width` terminal columns, with a mark where it was cut.
    func abbreviate(_ text: String, _ width: Int) -> String {
        guard width > 1 else { return "" }
        guard text.displayWidth > width else { return text }
        return text.prefix(columns: width - 1) + (settings.ascii ? "~" : "…")
    }

    /// "19:00" in the door's zone.
    func hoursMinutes(_ date: Date) -> String { Timestamps.clock(date, in: settings.timeZone) }
}
