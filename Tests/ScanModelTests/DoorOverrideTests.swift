import Foundation
import ScanModel
import Testing
import UsherCore

/// `o` at the door: let a denied guest in anyway, with a reason and a supervisor's PIN
/// (OverrideCheckIn).
@Suite("Door override")
struct DoorOverrideTests {
    let start = Fixtures.start

    /// Types `text` into whatever question is open, one key each.
    func type(_ text: String, on door: inout DoorState, at seconds: Int) {
        for c in text { _ = door.update(.key(.character(c), at: start + .seconds(seconds))) }
    }

    func enter(_ door: inout DoorState, at seconds: Int) -> [DoorEffect] {
        door.update(.key(.enter, at: start + .seconds(seconds)))
    }

    /// A door that was just told WRONG_HALL, with the override asked for: reason 2,
    /// supervisor sup-kim, PIN 4711.
    func askedToOverride(_ door: inout DoorState) -> [DoorEffect] {
        _ = Fixtures.type("o", on: &door, at: 10)
        type("2", on: &door, at: 11)
        _ = enter(&door, at: 12)
        type("sup-kim", on: &door, at: 13)
        _ = enter(&door, at: 14)
        type("4711", on: &door, at: 15)
        return enter(&door, at: 16)
    }

    static func admitted(scanID: String) -> ScanReport {
        var report = Fixtures.report(.valid)
        report.verdict = ScanVerdict(
            reason: .override, firstCheckIn: CheckIn(at: Fixtures.now, terminalID: "door-1", staffID: "alice"),
            message: "Admitted by override (sup-kim): guest list. Was WRONG_HALL: Wrong hall: ticket is for hall studio")
        report.scanID = scanID
        report.seat = Fixtures.seat(.checkedIn(owner: "guest-a12", orderID: "", checkIn: CheckIn(at: Fixtures.now, terminalID: "door-1", staffID: "alice")), hall: "studio")
        return report
    }

    @Test func oAsksWhyWhoAndThePINThenLetsTheGuestInUnderItsOwnID() throws {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        let denied = try #require(door.recent.first?.scanID)
        #expect(door.denied[.wrongHall] == 1 && door.admitted == 0)
        #expect(Keymap.helpLines(for: .door, viewsEnabled: false).contains { $0.contains("supervisor PIN") })

        _ = Fixtures.type("o", on: &door, at: 10)
        guard case .override(let draft) = door.overlay else {
            Issue.record("no question: \(door.overlay)")
            return
        }
        #expect(draft.scan.id == denied && draft.overrideID == denied + ".override" && draft.step == .reason)
        #expect(enter(&door, at: 11) == [], "no reason, no next step")
        type("2", on: &door, at: 11)
        _ = enter(&door, at: 12)
        #expect(enter(&door, at: 12) == [], "no supervisor, no PIN question")
        type("sup-kim", on: &door, at: 13)
        _ = enter(&door, at: 14)
        type("47x1", on: &door, at: 15)
        guard case .override(let atPIN) = door.overlay else {
            Issue.record("no PIN question: \(door.overlay)")
            return
        }
        #expect(atPIN.step == .pin && atPIN.pin == "47x1")
        #expect(!door.render().text.contains("47x1"), "the PIN is never drawn")
        #expect(enter(&door, at: 15) == [], "a PIN is digits")
        _ = door.update(.key(.backspace, at: start + .seconds(15)))
        _ = door.update(.key(.backspace, at: start + .seconds(15)))
        #expect(enter(&door, at: 15) == [], "2 digits are not a PIN")
        type("11", on: &door, at: 15)
        let effects = enter(&door, at: 16)
        guard case .override(let sent)? = effects.first, effects.count == 1 else {
            Issue.record("effects \(effects)")
            return
        }
        #expect(sent.reason == OverridePolicy.reasons[1] && sent.supervisor == "sup-kim" && sent.pin == "4711")
        #expect(sent.scan.code == "U1.CODE" && sent.overrideID == denied + ".override")
        #expect(door.overlay == .none)
        guard case .overriding(denied, "sup-kim") = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }

        _ = door.update(.overridden(scanID: denied, .success(Self.admitted(scanID: denied + ".override"))))
        guard case .verdict(let report, let admitted, _) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(admitted && report.result == .success && report.verdict.reason == .override)
        #expect(door.recent.first?.state == .verdict(.success) && door.recent.first?.admissionID == denied + ".override")
        #expect(door.admitted == 1 && door.denied[.wrongHall] == 0)

        // `u` then undoes the override's admission, by the override's scan id.
        _ = Fixtures.type("u", on: &door, at: 20)
        guard case .annul(let annul) = door.overlay else {
            Issue.record("no undo question: \(door.overlay)")
            return
        }
        #expect(annul.admission == .scan(denied + ".override"))
    }

    @Test func aWrongPINSaysSoAndOAsksAgainForTheSameSupervisor() throws {
        var door = Fixtures.door(showing: Fixtures.report(.notSold))
        let denied = try #require(door.recent.first?.scanID)
        _ = askedToOverride(&door)
        _ = door.update(
            .overridden(scanID: denied, .failure(CallFailure(.failed, "wrong supervisor or PIN; 4 more wrong PINs lock overrides"))))
        guard case .notice(let message) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(message.contains("Not let in") && message.contains("wrong supervisor or PIN"))
        #expect(door.admitted == 0 && door.recent.first?.state == .verdict(.unpaid))

        _ = Fixtures.type("o", on: &door, at: 30)
        guard case .override(let again) = door.overlay else {
            Issue.record("o does not ask again: \(door.overlay)")
            return
        }
        #expect(again.supervisor == "sup-kim" && again.pin.isEmpty && again.step == .reason)
    }

    /// The next guest's code fired into the name or PIN question is their scan: never
    /// a PIN sent (and counted wrong against the door).
    @Test func aScanIntoThePINQuestionIsTheNextGuest() {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        _ = Fixtures.type("o", on: &door, at: 10)
        type("1", on: &door, at: 11)
        _ = enter(&door, at: 12)
        type("sup-kim", on: &door, at: 13)
        _ = enter(&door, at: 14)
        type("U1.NEXT", on: &door, at: 15)
        let effects = enter(&door, at: 15)
        #expect(Fixtures.checks(effects) == ["admit U1.NEXT"], "\(effects)")
        #expect(door.overlay == .none)
    }

    @Test func noAnswerIsNotANo() throws {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        let denied = try #require(door.recent.first?.scanID)
        _ = askedToOverride(&door)
        _ = door.update(.overridden(scanID: denied, .failure(CallFailure(.unanswered, "no answer from the server"))))
        guard case .notice(let message) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(message.contains("No answer") && message.contains("o to try the same override again"), "\(message)")
        _ = Fixtures.type("o", on: &door, at: 30)
        guard case .override(let again) = door.overlay else {
            Issue.record("o does not ask again: \(door.overlay)")
            return
        }
        #expect(again.overrideID == denied + ".override", "the same override, replayed if it was made")
    }

    @Test(arguments: [ScanReason.alreadyCheckedIn, .badSignature, .revokedByTransfer])
    func neverAUsedForgedOrVoidTicket(_ reason: ScanReason) {
        var door = Fixtures.door(showing: Fixtures.report(reason))
        _ = Fixtures.type("o", on: &door, at: 10)
        #expect(door.overlay == .none)
        guard case .notice(let message) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(message.contains("cannot be overridden"))
    }

    @Test func nothingToOverrideAfterASuccessOrOnceTheNextGuestScans() {
        var admitted = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("o", on: &admitted, at: 10)
        #expect(admitted.overlay == .none)

        var door = Fixtures.door(showing: Fixtures.report(.eventEnded))
        _ = Fixtures.scan(&door, "U1.NEXT", at: start + .seconds(5))
        _ = Fixtures.type("o", on: &door, at: 6)
        #expect(door.overlay == .none, "the next guest is being checked")
        Fixtures.answer(
            &door, code: "U1.NEXT", admission: true, outcome: .success(Fixtures.report(.valid)), latency: .milliseconds(4),
            at: start + .seconds(7))
        _ = Fixtures.type("o", on: &door, at: 10)
        #expect(door.overlay == .none, "the denial belonged to the guest before")
        guard case .notice(let message) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(message.contains("Nothing to override"))
    }

    /// The answer for a guest who has gone: the row and counters take it, the banner
    /// stays with the guest in front of the door.
    @Test func anAnswerAfterTheNextScanKeepsTheBanner() throws {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        let denied = try #require(door.recent.first?.scanID)
        _ = askedToOverride(&door)
        _ = Fixtures.scan(&door, "U1.NEXT", at: start + .seconds(20))
        _ = door.update(.overridden(scanID: denied, .success(Self.admitted(scanID: denied + ".override"))))
        guard case .checking(let scan) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(scan.code == "U1.NEXT")
        #expect(door.admitted == 1 && door.recent.first { $0.scanID == denied }?.state == .verdict(.success))
    }

    @Test func offlineThereIsNoOverride() {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        _ = Fixtures.type("f", on: &door, at: 5)
        _ = Fixtures.type("o", on: &door, at: 10)
        #expect(door.overlay == .none)
        guard case .notice(let message) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(message.contains("needs the server"))
    }

    @Test(arguments: [(false, true), (true, false)])
    func theQuestionsOnScreen(ascii: Bool, color: Bool) throws {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall), ascii: ascii, color: color)
        _ = Fixtures.type("o", on: &door, at: 10)
        let reason = door.render()
        try Snapshot.assert(reason, named: "door-override-reason-80x24" + (ascii ? "-ascii" : ""))
        type("2", on: &door, at: 11)
        _ = enter(&door, at: 12)
        type("sup-kim", on: &door, at: 13)
        _ = enter(&door, at: 14)
        type("47", on: &door, at: 15)
        let pin = door.render()
        try Snapshot.assert(pin, named: "door-override-pin-80x24" + (ascii ? "-ascii" : ""))
        for screen in [reason, pin] {
            if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
            if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
        }
    }

    @Test func theOverriddenAdmissionOnScreen() throws {
        var door = Fixtures.door(showing: Fixtures.report(.wrongHall))
        let denied = try #require(door.recent.first?.scanID)
        _ = askedToOverride(&door)
        try Snapshot.assert(door.render(), named: "door-overriding-80x24")
        _ = door.update(.overridden(scanID: denied, .success(Self.admitted(scanID: denied + ".override"))))
        try Snapshot.assert(door.render(), named: "door-overridden-80x24")
    }
}
