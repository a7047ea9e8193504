import Foundation
import Glibc
import ScanModel
import Testing
import UsherCore

/// A scan is made by the model when a code is read; replies are matched to it by
/// id; the banner always belongs to the newest scan; a retry after no answer is the
/// same scan.
@Suite("Scan identity")
struct ScanIdentityTests {
    let start = Fixtures.start

    /// The scans the effects ask for.
    func sent(_ effects: [DoorEffect]) -> [Scan] {
        effects.compactMap { if case .check(let scan, _) = $0 { scan } else { nil } }
    }

    func reply(_ door: inout DoorState, _ scan: Scan, _ reason: ScanReason, replayed: Bool = false, seconds: Int = 1) {
        var report = Fixtures.report(reason)
        report.replayed = replayed
        report.scanID = scan.id
        _ = door.update(
            .checked(scanID: scan.id, admission: true, outcome: .success(report), latency: .seconds(seconds), at: start + .seconds(seconds)))
    }

    func fail(_ door: inout DoorState, _ scan: Scan, _ kind: CallFailure.Kind = .unanswered) {
        _ = door.update(
            .checked(scanID: scan.id, admission: true, outcome: .failure(CallFailure(kind, "deadline exceeded after 1.5 s")),
                     latency: .milliseconds(1500), at: start + .seconds(2)))
    }

    /// A door pinned online: a check without an answer is NOT CHECKED and waits for
    /// the code to be read again, as the retry rules below assume (an automatic door
    /// decides the scan offline at once instead: see OfflineDoorTests).
    func onlineOnlyDoor() -> DoorState {
        var door = Fixtures.newDoor()
        door.link = DoorLink(force: .forcedOnline)
        return door
    }

    func bannerReason(_ door: DoorState) -> ScanReason? {
        if case .verdict(let report, _, _) = door.banner { report.verdict.reason } else { nil }
    }

    @Test func aScanIsMadeWhenTheCodeIsRead() throws {
        var door = Fixtures.newDoor()
        let scans = sent(Fixtures.scan(&door, "U1.A"))
        let scan = try #require(scans.first)
        #expect(scans.count == 1 && scan.code == "U1.A" && scan.readAt == Fixtures.now)
        #expect(door.current == scan && door.inFlight == 1)
        let second = try #require(sent(Fixtures.scan(&door, "U1.B", at: start + .seconds(1))).first)
        #expect(second.id != scan.id, "every read of a new code is its own scan")
    }

    /// A slow, B fast: B's verdict is on the banner, and A's late SUCCESS goes to A's
    /// row and the counters only.
    @Test func aSlowAnswerForTheGuestBeforeNeverTakesTheBanner() throws {
        var door = Fixtures.newDoor()
        let a = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        let b = try #require(sent(Fixtures.scan(&door, "U1.B", at: start + .seconds(1))).first)
        reply(&door, b, .badSignature)
        #expect(bannerReason(door) == .badSignature)
        reply(&door, a, .valid, seconds: 3)
        #expect(bannerReason(door) == .badSignature, "B's guest is in front of the door: still DO NOT ADMIT")
        #expect(door.admitted == 1 && door.denied[.notFound] == 1)
        #expect(door.recent.map(\.scanID) == [b.id, a.id], "rows stay in the order the codes were read")
        #expect(door.recent.map(\.result) == [.notFound, .success])
        #expect(door.render().text.contains("DO NOT ADMIT"))
    }

    /// B slow, A fast: A's answer arrives while B is being checked; the banner keeps
    /// waiting for B.
    @Test func anEarlyAnswerForTheGuestBeforeLeavesTheBannerWaiting() throws {
        var door = Fixtures.newDoor()
        let a = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        let b = try #require(sent(Fixtures.scan(&door, "U1.B", at: start + .seconds(1))).first)
        reply(&door, a, .valid)
        guard case .checking(let shown) = door.banner else {
            Issue.record("the banner left B: \(door.banner)")
            return
        }
        #expect(shown == b)
        #expect(door.recent.first { $0.scanID == a.id }?.result == .success)
        reply(&door, b, .alreadyCheckedIn)
        #expect(bannerReason(door) == .alreadyCheckedIn)
    }

    /// The first attempt got no answer (the server may have admitted the guest); the
    /// same code read again is the same scan, and the server's replayed SUCCESS is shown
    /// as SUCCESS, never DUPLICATE.
    @Test func aRetryAfterNoAnswerReusesTheScanID() throws {
        var door = onlineOnlyDoor()
        let first = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        fail(&door, first)
        guard case .unchecked = door.banner else {
            Issue.record("no NOT CHECKED banner: \(door.banner)")
            return
        }
        door.now = Fixtures.now.addingTimeInterval(9 * 60)
        let retry = try #require(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(9 * 60))).first)
        #expect(retry.id == first.id, "same scan, same scan_id")
        #expect(door.recent.count == 1, "one row for the scan, checking again")
        reply(&door, retry, .valid, replayed: true)
        guard case .verdict(let report, true, _) = door.banner else {
            Issue.record("not admitted: \(door.banner)")
            return
        }
        #expect(report.result == .success && report.replayed)
        #expect(door.render().text.contains("admitted before its answer was lost"))
        #expect(door.admitted == 1)
    }

    /// Confirm mode: the preview was valid, Enter admitted, and the admission got no
    /// answer. The same code read again retries the *admission* under the same id (a
    /// verify would decide afresh and say DUPLICATE to the guest the server admitted).
    @Test func aRetriedConfirmModeAdmissionIsStillAnAdmission() throws {
        var door = onlineOnlyDoor()
        door.mode = .confirm
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        _ = door.update(.checked(scanID: scan.id, admission: false, outcome: .success(Fixtures.report(.valid)), latency: .zero, at: start))
        #expect(door.recent.first?.state == .validNotAdmitted, "valid, not admitted: not counted yet")
        #expect(door.admitted == 0 && door.scansPerMinute == 0)
        #expect(door.update(.key(.enter, at: start + .seconds(1))) == [.check(scan, admit: true)])
        fail(&door, scan)
        let effects = Fixtures.scan(&door, "U1.A", at: start + .seconds(5))
        #expect(effects == [.check(scan, admit: true)], "the same scan, admitted, not verified")
    }

    @Test(arguments: [
        (CallFailure.Kind.failed, 60.0, "an error answer is an answer"),
        (CallFailure.Kind.unanswered, 601.0, "past the 10 minute window"),
    ])
    func aRetryIsANewScanWhen(kind: CallFailure.Kind, afterSeconds: TimeInterval, why: String) throws {
        var door = onlineOnlyDoor()
        let first = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        fail(&door, first, kind)
        door.now = Fixtures.now.addingTimeInterval(afterSeconds)
        let again = try #require(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(afterSeconds))).first)
        #expect(again.id != first.id, "\(why)")
    }

    /// An INTERNAL error, or an answer this terminal could not read, may come after
    /// the server admitted the guest: like no answer, the code read again is the same
    /// scan (a new id would say DUPLICATE to the admitted guest). The door stays online.
    @Test func aRetryAfterAnUnclearAnswerReusesTheScanID() throws {
        var door = Fixtures.newDoor()
        let first = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        fail(&door, first, .unclear)
        #expect(!door.link.isOffline, "the server answered: the link is fine")
        guard case .unchecked(let message) = door.banner else {
            Issue.record("no NOT CHECKED banner: \(door.banner)")
            return
        }
        #expect(message.contains("scan again to retry this same scan"))
        let retry = try #require(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(5))).first)
        #expect(retry.id == first.id)
    }

    /// The history's verdict column holds its widest word whole.
    @Test(arguments: [false, true])
    func theHistoryShowsNotCheckedWhole(ascii: Bool) throws {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii))
        door.link = DoorLink(force: .forcedOnline)
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        fail(&door, scan)
        let word = ascii ? "!! NOT CHECKED " : "⚠ NOT CHECKED "
        let rows = door.render().lines.filter { $0.dropFirst().first?.isNumber == true }
        #expect(rows.count == 1 && rows[0].contains(word), "\(rows)")
    }

    /// Confirm mode, and staff switch to auto while the preview is being checked: the
    /// answer still takes the banner (it must never stay on CHECKING).
    @Test func aPreviewAnsweredAfterSwitchingToAutoStillLeavesChecking() throws {
        var door = Fixtures.newDoor()
        door.mode = .confirm
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        _ = door.update(.key(.character("c"), at: start + .seconds(1)))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(2)))
        #expect(door.mode == .auto)
        _ = door.update(.checked(scanID: scan.id, admission: false, outcome: .success(Fixtures.report(.valid)), latency: .zero, at: start + .seconds(3)))
        guard case .preview(_, let shown) = door.banner else {
            Issue.record("the banner did not take the answer: \(door.banner)")
            return
        }
        #expect(shown == scan)
        #expect(door.update(.key(.enter, at: start + .seconds(4))) == [.check(scan, admit: true)], "Enter admits it")
    }

    @Test func aRetryAfterAVerdictIsANewScan() throws {
        var door = Fixtures.newDoor()
        let first = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        reply(&door, first, .valid)
        let again = try #require(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(5))).first)
        #expect(again.id != first.id, "a ticket scanned again after its verdict is decided again (DUPLICATE)")
    }

    /// A scanner that fires twice: the second read joins the scan in flight.
    @Test func aCodeReadAgainWhileInFlightIsTheSameScan() throws {
        var door = Fixtures.newDoor()
        let first = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        _ = Fixtures.scan(&door, "U1.B", at: start + .seconds(1))
        #expect(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(2))).isEmpty, "nothing new is sent")
        #expect(door.current == first, "the banner belongs to A again")
        reply(&door, first, .valid)
        #expect(bannerReason(door) == .valid)
    }

    /// An answer for a scan the door does not know (never sent, or already answered) is dropped.
    @Test func anAnswerForNoScanInFlightIsDropped() throws {
        var door = Fixtures.newDoor()
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")).first)
        reply(&door, scan, .valid)
        let admitted = door.admitted
        reply(&door, scan, .valid)
        reply(&door, Scan(id: "other", code: "U1.X", readAt: Fixtures.now), .valid)
        #expect(door.admitted == admitted)
    }
}

@Suite("Keymap")
struct KeymapTests {
    /// The help of each view is the table: every key that does something there is on
    /// it, and each help line's keys work.
    @Test(arguments: TerminalView.allCases)
    func helpIsDrawnFromTheTable(view: TerminalView) {
        let help = Keymap.helpLines(for: view, viewsEnabled: true).joined(separator: "\n")
        for binding in Keymap.bindings where binding.views.contains(view) {
            if let line = binding.help {
                #expect(help.contains(line.label) && help.contains(line.text), "\(line.label) missing from \(view) help")
            }
            for key in binding.keys {
                #expect(Keymap.command(for: key, in: view, viewsEnabled: true) == binding.command)
            }
        }
    }

    /// Each door key, pressed on its own, does what its help line says.
    @Test func everyDoorKeyActs() {
        var settings = Fixtures.settings()
        settings.viewsEnabled = true
        func press(_ key: TerminalKey, on door: inout DoorState, at seconds: Int) -> [DoorEffect] {
            var effects = door.update(.key(key, at: Fixtures.start + .seconds(seconds)))
            effects += door.update(.tick(now: Fixtures.now, at: Fixtures.start + .seconds(seconds) + .milliseconds(500)))
            return effects
        }
        var door = Fixtures.newDoor(settings: settings)
        _ = press(.character("c"), on: &door, at: 1)
        #expect(door.mode == .confirm)
        _ = press(.character("i"), on: &door, at: 2)
        #expect(door.overlay == .openImage(path: ""))
        _ = press(.escape, on: &door, at: 3)
        #expect(door.overlay == .none)
        _ = press(.character("?"), on: &door, at: 4)
        #expect(door.overlay == .help)
        _ = press(.character("x"), on: &door, at: 5)
        #expect(door.overlay == .none, "any key closes the help")
        #expect(press(.tab, on: &door, at: 6) == [.showView(nil)])
        #expect(press(.character("2"), on: &door, at: 7) == [.showView(.seatMap)])
        #expect(press(.character("q"), on: &door, at: 8) == [.quit])
        #expect(door.update(.key(.interrupt, at: Fixtures.start + .seconds(9))) == [.quit])
    }

    /// Each map key does what its help line says.
    @Test func everyMapKeyActs() {
        var terminal = Terminal.mapLoaded()
        terminal.type("z")
        #expect(terminal.state.seatMap.zoomedOut)
        terminal.press(.escape)
        #expect(!terminal.state.seatMap.zoomedOut)
        let before = terminal.state.seatMap.cursorPlace
        terminal.press(.right)
        #expect(terminal.state.seatMap.cursorPlace != before)
        terminal.type("]")
        #expect(terminal.state.seatMap.lastError?.contains("occupancy view") == true, "[ ] need the hall list")
        terminal.type("?")
        #expect(terminal.state.helpShown)
        terminal.type("x")
        #expect(!terminal.state.helpShown)
        terminal.type("3")
        #expect(terminal.state.view == .occupancy)
    }

    @Test func viewKeysOnlyWhereViewsAreAllowed() {
        #expect(Keymap.command(for: .special(.tab), in: .door, viewsEnabled: false) == nil)
        #expect(Keymap.command(for: .special(.tab), in: .door, viewsEnabled: true) == .nextView)
        #expect(!Keymap.helpLines(for: .door, viewsEnabled: false).joined().contains("Tab"))
        #expect(Keymap.command(for: .character("z"), in: .door, viewsEnabled: true) == nil, "z is the map's")
    }

    /// The door and the supervisor views both route through the table.
    @Test func theDoorAndTheMapShowTheirOwnHelp() {
        var door = Fixtures.newDoor()
        _ = door.update(.key(.character("?"), at: Fixtures.start))
        _ = door.update(.tick(now: Fixtures.now, at: Fixtures.start + .seconds(1)))
        #expect(door.render().text.contains("switch auto / confirm mode"))
        var terminal = Terminal.mapLoaded()
        terminal.type("?")
        #expect(terminal.screen.contains("overview: a block per section, and back"))
        #expect(!terminal.screen.contains("switch auto / confirm mode"))
    }
}

/// glibc's wcwidth(3); Glibc's Swift module does not export it.
@_silgen_name("wcwidth") func libcWcwidth(_ character: Int32) -> Int32

@Suite("Display width")
struct DisplayWidthTests {
    /// Every glyph the screens draw, measured by our table and by glibc's wcwidth
    /// under C.UTF-8: the terminal lays them out by the latter.
    @Test func theTableAgreesWithWcwidth() throws {
        #expect(setlocale(LC_CTYPE, "C.UTF-8") != nil, "C.UTF-8 locale missing")
        var glyphs = Set<Character>("·│─…–↑↓←→●⚠▲▼◆█░▒▓▌▐ ")
        for result in ScanResult.allCases {
            glyphs.formUnion(VerdictLook.of(result, ascii: false).glyph)
        }
        for status in SeatStatus.allCases {
            glyphs.insert(SeatLook.of(status, ascii: false).glyph)
        }
        for glyph in glyphs {
            let scalar = try #require(glyph.unicodeScalars.first)
            #expect(DisplayWidth.of(glyph) == Int(libcWcwidth(Int32(scalar.value))), "\(glyph) U+\(String(scalar.value, radix: 16))")
        }
        #expect(DisplayWidth.of("⌛") == 2)
    }

    /// The history row of an EXPIRED scan keeps its latency on screen: the wide ⌛
    /// takes two cells, and the row is padded by columns, not characters.
    @Test func wideGlyphsKeepTheirRowInside() {
        let door = Fixtures.door(showing: Fixtures.report(.eventEnded))
        let screen = door.render()
        let row = screen.lines.first { $0.contains("⌛ EXPIRED") } ?? ""
        let header = screen.lines.first { $0.contains("LATENCY") } ?? ""
        guard let latency = row.range(of: "4.0 ms"), let column = header.range(of: "LATENCY") else {
            Issue.record("no latency under its header:\n\(header)\n\(row)")
            return
        }
        #expect(
            String(row[..<latency.lowerBound]).displayWidth == header.distance(from: header.startIndex, to: column.lowerBound),
            "the latency sits under LATENCY, in display columns:\n\(header)\n\(row)")
    }
}
