import Foundation
import ScanModel
import Testing
import UsherCore

/// `--direction entry|exit|both` and `x`: a door that counts people out.
@Suite("Door direction")
struct DoorDirectionTests {
    let start = Fixtures.start

    static func door(_ directions: DoorDirections, ascii: Bool = false, color: Bool = true) -> DoorState {
        var settings = Fixtures.settings(ascii: ascii, color: color)
        settings.directions = directions
        var door = Fixtures.newDoor(settings: settings)
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        return door
    }

    static func exited() -> ScanReport {
        var report = Fixtures.report(.valid)
        let checkIn = CheckIn(at: Fixtures.now.addingTimeInterval(-600), terminalID: "door-2", staffID: "")
        report.verdict = ScanVerdict(reason: .exit, firstCheckIn: checkIn, message: "Out: seat main-tonight.stalls.A.12 stepped out; re-entry allowed")
        report.seat?.state = .checkedIn(owner: "guest-a12", orderID: "", checkIn: checkIn)
        report.seat?.outsideSince = Fixtures.now
        return report
    }

    @Test func xSwitchesABothDoorAndAnExitScanIsAnExit() throws {
        var door = Self.door(.both)
        #expect(door.direction == .entry)
        #expect(door.render().text.contains("· ENTRY ·"))
        _ = Fixtures.type("x", on: &door, at: 1)
        #expect(door.direction == .exit)
        #expect(door.render().text.contains("READY: EXIT"))

        let effects = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(2))
        guard case .check(let scan, let admit)? = effects.first else {
            Issue.record("effects \(effects)")
            return
        }
        #expect(scan.direction == .exit && admit, "an exit is recorded at once, with no preview")
        Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .success(Self.exited()), latency: .milliseconds(3), at: start + .seconds(3))
        #expect(door.exited == 1 && door.admitted == 0)
        #expect(door.recent.first?.state == .exited)
        let screen = door.render().text
        #expect(screen.contains("OUT: the guest may leave and come back") && screen.contains("→ OUT") && screen.contains("Out 1"))

        _ = Fixtures.type("x", on: &door, at: 10)
        #expect(door.direction == .entry)
        let back = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(11))
        guard case .check(let again, _)? = back.first else {
            Issue.record("effects \(back)")
            return
        }
        #expect(again.direction == .entry)
    }

    /// An exit that got no answer is not retried as the entry of the guest coming
    /// back through a door switched to entry since: that is a scan of its own.
    @Test func anUnansweredExitIsNotRetriedTheOtherWay() throws {
        var door = Self.door(.both)
        _ = Fixtures.type("x", on: &door, at: 1)
        _ = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(2))
        let exitID = try #require(door.current?.id)
        Fixtures.answer(
            &door, code: "U1.CODE", admission: true, outcome: .failure(CallFailure(.unclear, "internal error")),
            latency: .seconds(1), at: start + .seconds(3))
        _ = Fixtures.type("x", on: &door, at: 10)
        let effects = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(11))
        guard case .check(let scan, _)? = effects.first else {
            Issue.record("effects \(effects)")
            return
        }
        #expect(scan.id != exitID && scan.direction == .entry)
    }

    /// A re-entry is not the door's admission to undo.
    @Test func aReentryIsNotUndone() {
        var door = Self.door(.entry)
        var report = Fixtures.report(.valid)
        report.verdict = ScanVerdict(reason: .reentry, firstCheckIn: CheckIn(at: Fixtures.now, terminalID: "d", staffID: ""), message: "Re-entry")
        _ = Fixtures.scan(&door, "U1.CODE")
        Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .success(report), latency: .milliseconds(3), at: start + .seconds(1))
        #expect(door.render().text.contains("ADMIT (re-entry)"))
        _ = Fixtures.type("u", on: &door, at: 5)
        #expect(door.overlay == .none)
        guard case .notice(let said) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(said.contains("Nothing to undo"))
    }

    @Test func anExitTheServerWouldNotRecordIsSaidInWords() {
        var door = Self.door(.exit)
        #expect(door.direction == .exit)
        _ = Fixtures.scan(&door, "U1.CODE")
        let message = "Exit not recorded: no re-entry for The Usher Gala: a guest who leaves cannot come back in, so exits are not recorded"
        Fixtures.answer(
            &door, code: "U1.CODE", admission: true, outcome: .failure(CallFailure(.failed, message)), latency: .milliseconds(3),
            at: start + .seconds(1))
        guard case .notice(let said) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(said == message)
        #expect(door.exited == 0)
    }

    @Test func offlineAnExitIsNotRecordedAndSaysSo() {
        var door = Self.door(.exit)
        _ = Fixtures.type("f", on: &door, at: 1)
        let effects = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(2))
        #expect(Fixtures.checks(effects).isEmpty && !effects.contains { if case .checkOffline = $0 { true } else { false } })
        guard case .notice(let said) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(said.contains("Exits need the server"))
    }

    @Test func anEntryDoorDoesNotSwitch() {
        var door = Self.door(.entry)
        _ = Fixtures.type("x", on: &door, at: 1)
        #expect(door.direction == .entry)
        guard case .notice(let said) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(said.contains("entries only"))
        #expect(!door.render().text.contains("ENTRY"), "an entry-only door looks as it always did")
    }

    @Test(arguments: [(false, true), (true, false)])
    func theExitDoorOnScreen(ascii: Bool, color: Bool) throws {
        var door = Self.door(.both, ascii: ascii, color: color)
        _ = Fixtures.type("x", on: &door, at: 1)
        let ready = door.render()
        try Snapshot.assert(ready, named: "door-exit-ready-80x24" + (ascii ? "-ascii" : ""))
        _ = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(2))
        Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .success(Self.exited()), latency: .milliseconds(3), at: start + .seconds(3))
        let out = door.render()
        try Snapshot.assert(out, named: "door-exit-out-80x24" + (ascii ? "-ascii" : ""))
        for screen in [ready, out] {
            if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
            if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
        }
    }
}
