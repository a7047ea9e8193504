import Foundation
import ScanModel
import Testing
import UsherCore

/// `scan-tui --kiosk`: scanning works; everything else waits for a supervisor's PIN.
@Suite("Kiosk lock")
struct KioskTests {
    let start = Fixtures.start

    static func kiosk(views: Bool = false, ascii: Bool = false, color: Bool = true) -> DoorState {
        var settings = Fixtures.settings(ascii: ascii, color: color)
        settings.kiosk = true
        settings.viewsEnabled = views
        var door = Fixtures.newDoor(settings: settings)
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        return door
    }

    func type(_ text: String, on door: inout DoorState, at seconds: Int) {
        for c in text { _ = door.update(.key(.character(c), at: start + .seconds(seconds))) }
    }

    /// `q`, then sup-kim and `pin` at the unlock question: the effects of the last Enter.
    func answerQuit(_ door: inout DoorState, pin: String) -> [DoorEffect] {
        _ = Fixtures.type("q", on: &door, at: 1)
        type("sup-kim", on: &door, at: 2)
        _ = door.update(.key(.enter, at: start + .seconds(3)))
        type(pin, on: &door, at: 4)
        return door.update(.key(.enter, at: start + .seconds(5)))
    }

    @Test func scanningWorksAndCtrlCIsIgnored() {
        var door = Self.kiosk()
        #expect(door.kioskLocked)
        #expect(Fixtures.checks(Fixtures.scan(&door, "U1.CODE")) == ["admit U1.CODE"])
        #expect(door.update(.key(.interrupt, at: start + .seconds(1))).isEmpty)
        #expect(door.overlay == .none, "not even a question")
        #expect(door.render().text.contains("KIOSK"))
    }

    @Test func quitAsksASupervisorThenQuits() throws {
        var door = Self.kiosk()
        #expect(Fixtures.type("q", on: &door, at: 1).isEmpty)
        guard case .unlock(let unlock) = door.overlay else {
            Issue.record("no question: \(door.overlay)")
            return
        }
        #expect(unlock.command == .quit && unlock.action == "quit")
        type("sup-kim", on: &door, at: 2)
        _ = door.update(.key(.enter, at: start + .seconds(3)))
        type("4711", on: &door, at: 4)
        #expect(!door.render().text.contains("4711"), "the PIN is never drawn")
        let effects = door.update(.key(.enter, at: start + .seconds(5)))
        #expect(effects == [.unlock(supervisor: "sup-kim", pin: "4711", action: "quit", then: .quit)])
        #expect(door.update(.unlocked(then: .quit, .success(Fixtures.now))) == [.quit])
    }

    @Test func aRightPINUnlocksForTwoMinutesThenItLocksAgain() {
        var door = Self.kiosk()
        _ = Fixtures.type("i", on: &door, at: 1)
        guard case .unlock = door.overlay else {
            Issue.record("open image is not locked: \(door.overlay)")
            return
        }
        _ = door.update(.key(.escape, at: start + .seconds(2)))
        #expect(door.overlay == .none)
        _ = door.update(.unlocked(then: .openImage, .success(Fixtures.now)))
        #expect(door.overlay == .openImage(path: ""), "the command goes ahead once unlocked")
        #expect(!door.kioskLocked && door.render().text.contains("KIOSK UNLOCKED"))
        _ = door.update(.key(.escape, at: start + .seconds(3)))
        _ = Fixtures.type("c", on: &door, at: 4)
        #expect(door.mode == .confirm, "still unlocked: no second PIN")
        _ = door.update(.tick(now: Fixtures.now.addingTimeInterval(KioskLock.unlockFor), at: start + .seconds(130)))
        #expect(door.kioskLocked)
        _ = Fixtures.type("c", on: &door, at: 131)
        #expect(door.mode == .confirm)
        guard case .unlock = door.overlay else {
            Issue.record("locked again, but no question: \(door.overlay)")
            return
        }
    }

    /// A guest scanned while the PIN is checked keeps their verdict; a question the
    /// unlock opened closes when it runs out.
    @Test func theUnlocksAnswerLeavesAVerdictAloneAndTheLockClosesWhatItOpened() {
        var door = Self.kiosk()
        _ = answerQuit(&door, pin: "4711")
        _ = Fixtures.scan(&door, "U1.CODE", at: start + .seconds(6))
        Fixtures.answer(
            &door, code: "U1.CODE", admission: true, outcome: .success(Fixtures.report(.valid)), latency: .milliseconds(3),
            at: start + .seconds(7))
        // Quit waits for a scan in flight: none now, but ask with one in flight to see the question.
        _ = Fixtures.scan(&door, "U1.OTHER", at: start + .seconds(8))
        _ = door.update(.unlocked(then: .quit, .success(Fixtures.now)))
        #expect(door.overlay == .confirmQuit, "a scan is in flight: quit asks first")
        guard case .checking(let scan) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(scan.code == "U1.OTHER", "the guest in front keeps the banner")
        _ = door.update(.tick(now: Fixtures.now.addingTimeInterval(KioskLock.unlockFor), at: start + .seconds(130)))
        #expect(door.kioskLocked && door.overlay == .none, "the lock closes the question it opened")
    }

    @Test func aWrongPINStaysLockedAndOfflineCannotUnlock() {
        var door = Self.kiosk()
        _ = answerQuit(&door, pin: "1111")
        _ = door.update(.unlocked(then: .quit, .failure(CallFailure(.failed, "wrong supervisor or PIN; 4 more wrong PINs lock"))))
        guard case .notice(let said) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(said.contains("Still locked") && door.kioskLocked)

        // The server stops answering: the door goes offline (and decides scans itself).
        var offline = Self.kiosk()
        _ = Fixtures.scan(&offline, "U1.CODE")
        Fixtures.answer(
            &offline, code: "U1.CODE", admission: true, outcome: .failure(CallFailure(.unanswered, "no answer")),
            latency: .seconds(2), at: start + .seconds(2))
        #expect(offline.link.isOffline)
        _ = Fixtures.type("q", on: &offline, at: 3)
        #expect(offline.overlay == .none)
        guard case .notice(let notice) = offline.banner else {
            Issue.record("banner \(offline.banner)")
            return
        }
        #expect(notice.contains("needs the server"))
    }

    @Test func leavingTheDoorViewIsLockedButAScanOnTheQuestionIsAScan() {
        var door = Self.kiosk(views: true)
        _ = door.update(.key(.tab, at: start + .seconds(1)))
        guard case .unlock(let unlock) = door.overlay else {
            Issue.record("Tab is not locked: \(door.overlay)")
            return
        }
        #expect(unlock.command == .nextView)
        type("U1.NEXT", on: &door, at: 2)
        #expect(Fixtures.checks(door.update(.key(.enter, at: start + .seconds(2)))) == ["admit U1.NEXT"])
    }

    @Test(arguments: [(false, true), (true, false)])
    func theLockOnScreen(ascii: Bool, color: Bool) throws {
        var door = Self.kiosk(ascii: ascii, color: color)
        _ = Fixtures.type("q", on: &door, at: 1)
        type("sup-kim", on: &door, at: 2)
        _ = door.update(.key(.enter, at: start + .seconds(3)))
        type("47", on: &door, at: 4)
        let screen = door.render()
        try Snapshot.assert(screen, named: "door-kiosk-unlock-80x24" + (ascii ? "-ascii" : ""))
        if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
    }
}
