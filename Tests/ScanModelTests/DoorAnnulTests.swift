import Foundation
import ScanModel
import Testing
import UsherCore

/// `u` at the door: undo this door's last admission, with a reason (AnnulCheckIn).
@Suite("Door annul")
struct DoorAnnulTests {
    let start = Fixtures.start

    /// The door's one admission, and the effects of asking to undo it with reason 1.
    func annulled(_ door: inout DoorState) -> [DoorEffect] {
        _ = Fixtures.type("u", on: &door, at: 10)
        _ = door.update(.key(.character("1"), at: start + .seconds(11)))
        return door.update(.key(.enter, at: start + .seconds(12)))
    }

    static func outcome(replayed: Bool = false) -> AnnulOutcome {
        AnnulOutcome(
            seat: Fixtures.seat(.sold(owner: "", orderID: "")),
            admission: CheckIn(at: Fixtures.now, terminalID: "door-main-1", staffID: ""), annulledAt: Fixtures.now,
            replayed: replayed, logID: 7)
    }

    @Test func uAsksWhyThenUndoesTheLastAdmissionUnderOneID() throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        let scanID = try #require(door.recent.first?.scanID)
        #expect(door.admitted == 1)
        #expect(Keymap.helpLines(for: .door, viewsEnabled: false).contains { $0.contains("undo this door's last admission") })
        _ = Fixtures.type("u", on: &door, at: 10)
        guard case .annul(let draft) = door.overlay else {
            Issue.record("no question: \(door.overlay)")
            return
        }
        #expect(draft.admission == .scan(scanID) && draft.annulID == scanID + ".annul" && draft.reason.isEmpty)
        #expect(door.update(.key(.enter, at: start + .seconds(11))) == [], "no reason, no annul")

        // 1 picks the first reason; Enter asks the server.
        _ = door.update(.key(.character("1"), at: start + .seconds(11)))
        let effects = door.update(.key(.enter, at: start + .seconds(12)))
        #expect(effects == [.annul(.scan(scanID), annulID: scanID + ".annul", reason: AnnulPolicy.reasons[0])])
        #expect(door.overlay == .none)
        guard case .annulling(.scan(scanID), _) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }

        _ = door.update(.annulled(.scan(scanID), .success(Self.outcome())))
        guard case .notice(let done) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(done.contains("annulled") && done.contains("admits again"))
        #expect(door.recent.first?.state == .annulled)
        #expect(door.admitted == 0)

        // Nothing left to undo.
        _ = Fixtures.type("u", on: &door, at: 20)
        #expect(door.overlay == .none)
        guard case .notice(let nothing) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(nothing.contains("Nothing to undo"))
    }

    @Test func aTypedReasonBackspaceAndEscape() {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("u", on: &door, at: 10)
        for c in "gate mixup" { _ = door.update(.key(.character(c), at: start + .seconds(11))) }
        _ = door.update(.key(.backspace, at: start + .seconds(11)))
        guard case .annul(let draft) = door.overlay else {
            Issue.record("no question")
            return
        }
        #expect(draft.reason == "gate mixu", "typing, not picking: a digit after text is text")
        #expect(door.update(.key(.escape, at: start + .seconds(12))) == [])
        #expect(door.overlay == .none)
        #expect(door.recent.first?.state == .verdict(.success), "Esc keeps the admission")
    }

    /// Only this door's own online admissions, within 2 minutes; not while offline.
    @Test func nothingToUndoWhenOldOfflineOrDenied() {
        var old = Fixtures.door(showing: Fixtures.report(.valid))
        _ = old.update(.tick(now: Fixtures.now.addingTimeInterval(AnnulPolicy.doorWindow + 1), at: start + .seconds(5)))
        _ = Fixtures.type("u", on: &old, at: 10)
        #expect(old.overlay == .none)

        var denied = Fixtures.door(showing: Fixtures.report(.alreadyCheckedIn))
        _ = Fixtures.type("u", on: &denied, at: 10)
        #expect(denied.overlay == .none, "a DUPLICATE let nobody in")

        var offline = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("f", on: &offline, at: 5)
        #expect(offline.link.isOffline)
        _ = Fixtures.type("u", on: &offline, at: 10)
        #expect(offline.overlay == .none)
        guard case .notice(let why) = offline.banner else {
            Issue.record("banner \(offline.banner)")
            return
        }
        #expect(why.contains("offline"))
    }

    /// The banner belongs to the guest in front of the door: a scan read while the
    /// annul is on its way takes it, and the late answer only fixes the history.
    @Test func aScanDuringTheAnnulKeepsTheBanner() throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        let scanID = try #require(door.recent.first?.scanID)
        _ = annulled(&door)
        _ = Fixtures.scan(&door, "U1.NEXT", at: start + .seconds(13))
        _ = door.update(.annulled(.scan(scanID), .success(Self.outcome())))
        guard case .checking(let scan) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(scan.code == "U1.NEXT")
        #expect(door.recent.first { $0.scanID == scanID }?.state == .annulled)

        // A refusal likewise stays off the new guest's banner.
        var refused = Fixtures.door(showing: Fixtures.report(.valid))
        let refusedID = try #require(refused.recent.first?.scanID)
        _ = annulled(&refused)
        let effects = refused.update(
            .annulled(.scan(refusedID), .failure(CallFailure(.failed, "that admission was already annulled"))))
        guard case .notice(let why) = refused.banner else {
            Issue.record("banner \(refused.banner)")
            return
        }
        #expect(why == "Not undone: that admission was already annulled")
        #expect(effects == [.bell(.attention)])
        // With a scan on the banner, a refusal still rings: the admission stands.
        var busy = Fixtures.door(showing: Fixtures.report(.valid))
        let busyID = try #require(busy.recent.first?.scanID)
        _ = annulled(&busy)
        _ = Fixtures.scan(&busy, "U1.NEXT", at: start + .seconds(13))
        #expect(busy.update(.annulled(.scan(busyID), .failure(CallFailure(.failed, "no")))) == [.bell(.attention)])
        #expect(refused.recent.first?.state == .verdict(.success))
    }

    /// `u` while a scan is still being checked: the scan's verdict, when it comes,
    /// takes the banner (its guest is in front of the door), and the later annul
    /// answer leaves it there.
    @Test func aVerdictArrivingAfterTheAnnulStartedKeepsTheBanner() throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        let scanID = try #require(door.recent.first?.scanID)
        _ = Fixtures.scan(&door, "U1.NEXT", at: start + .seconds(5))
        _ = annulled(&door)
        guard case .annulling = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        Fixtures.answer(
            &door, code: "U1.NEXT", admission: true, outcome: .success(Fixtures.report(.alreadyCheckedIn)),
            latency: .milliseconds(5), at: start + .seconds(13))
        _ = door.update(.annulled(.scan(scanID), .success(Self.outcome())))
        guard case .verdict(let report, _, _) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(report.result == .duplicate)
        #expect(door.recent.first { $0.scanID == scanID }?.state == .annulled)
    }

    /// A scanner firing while the question is open: its code is a scan, not a reason.
    @Test func aScanWhileTheQuestionIsOpenIsAScan() {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("u", on: &door, at: 10)
        _ = door.update(.key(.character("w"), at: start + .seconds(11)))
        let code = "U1." + String(repeating: "QmFzZTY0", count: 24)
        let effects = Fixtures.scan(&door, code, at: start + .seconds(12))
        #expect(Fixtures.checks(effects) == ["admit \(code)"], "the whole code, after what was typed")
        #expect(door.overlay == .none)
    }

    /// A guest waiting for Enter (confirm mode) keeps the banner: `u` waits its turn,
    /// and one undo at a time.
    @Test func uWaitsWhileAPreviewOrAnUndoIsShown() throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("c", on: &door, at: 5)
        _ = Fixtures.scan(&door, "U1.NEXT", at: start + .seconds(6))
        Fixtures.answer(
            &door, code: "U1.NEXT", admission: false, outcome: .success(Fixtures.report(.valid)), latency: .milliseconds(3),
            at: start + .seconds(7))
        guard case .preview = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        _ = Fixtures.type("u", on: &door, at: 8)
        #expect(door.overlay == .none)
        guard case .preview = door.banner else {
            Issue.record("the preview was replaced: \(door.banner)")
            return
        }

        var undoing = Fixtures.door(showing: Fixtures.report(.valid))
        _ = annulled(&undoing)
        _ = Fixtures.type("u", on: &undoing, at: 20)
        #expect(undoing.overlay == .none, "one undo at a time")
    }

    @Test(arguments: [(false, true), (true, false)])
    func theQuestionOnScreen(ascii: Bool, color: Bool) throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid), ascii: ascii, color: color)
        _ = Fixtures.type("u", on: &door, at: 10)
        _ = door.update(.key(.character("2"), at: start + .seconds(11)))
        let screen = door.render()
        try Snapshot.assert(screen, named: "door-annul-question-80x24" + (ascii ? "-ascii" : ""))
        if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
    }

    @Test func theUndoneAdmissionOnScreen() throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        let scanID = try #require(door.recent.first?.scanID)
        _ = annulled(&door)
        _ = door.update(.annulled(.scan(scanID), .success(Self.outcome())))
        try Snapshot.assert(door.render(), named: "door-annulled-80x24")
    }
}
