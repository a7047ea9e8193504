import Foundation
import ScanModel
import Testing
import UsherCore

@Suite("Door model")
struct DoorModelTests {
    let start = Fixtures.start

    @Test func scannerBurstWithEnterIsAScan() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        let effects = Fixtures.scan(&door, "U1.ABCDEF")
        #expect(Fixtures.checks(effects) == ["admit U1.ABCDEF"])
        guard case .checking = door.banner else { Issue.record("not checking"); return }
    }

    @Test func strayKeysDoNotBecomeScans() {
        var input = ScannerInput()
        // A person typing slowly: each key is resolved on its own.
        var outputs: [ScannerInput.Output] = []
        outputs += input.key("x", at: start)
        outputs += input.key("y", at: start + .milliseconds(200))
        outputs += input.tick(at: start + .milliseconds(400))
        #expect(outputs == [.command("x"), .command("y")])
        // A fast burst without Enter is dropped by default…
        for (index, character) in "U1.ABCDEFGH".enumerated() { _ = input.key(character, at: start + .seconds(1) + .milliseconds(2 * index)) }
        #expect(input.tick(at: start + .seconds(2)) == [.discarded(count: 11)])
    }

    @Test func unterminatedBurstsWhenEnabled() {
        var input = ScannerInput(configuration: .init(acceptsUnterminatedBursts: true, minimumBurstLength: 8))
        for (index, character) in "U1.ABCDEFGH".enumerated() { _ = input.key(character, at: start + .milliseconds(2 * index)) }
        #expect(input.tick(at: start + .milliseconds(50)) == [], "not before the idle gap")
        #expect(input.tick(at: start + .milliseconds(300)) == [.scan("U1.ABCDEFGH")])
        // A short burst is still not a scan.
        for (index, character) in "abc".enumerated() { _ = input.key(character, at: start + .seconds(1) + .milliseconds(2 * index)) }
        #expect(input.tick(at: start + .seconds(2)) == [.discarded(count: 3)])
    }

    @Test func commandKeysWorkWhenTypedAlone() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        _ = door.update(.key(.character("c"), at: start))
        _ = door.update(.tick(now: Fixtures.now, at: start + .milliseconds(500)))
        #expect(door.mode == .confirm)
        _ = door.update(.key(.character("?"), at: start + .seconds(1)))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(2)))
        #expect(door.overlay == .help)
        #expect(door.update(.key(.interrupt, at: start + .seconds(3))) == [.quit])
    }

    @Test func successClearsItselfDenialsStay() {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(1)))
        guard case .verdict = door.banner else { Issue.record("cleared too early"); return }
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(4)))
        guard case .ready = door.banner else { Issue.record("SUCCESS did not clear: \(door.banner)"); return }

        var denied = Fixtures.door(showing: Fixtures.report(.badSignature))
        _ = denied.update(.tick(now: Fixtures.now, at: start + .seconds(60)))
        guard case .verdict = denied.banner else { Issue.record("a denial cleared by itself"); return }
        _ = denied.update(.key(.character(" "), at: start + .seconds(61)))
        _ = denied.update(.tick(now: Fixtures.now, at: start + .seconds(62)))
        guard case .ready = denied.banner else { Issue.record("a key did not acknowledge the denial"); return }
    }

    @Test func clearingTimesAreConfigurable() {
        var settings = Fixtures.settings()
        settings.successClearsAfter = nil
        settings.denialClearsAfter = .seconds(2)
        var door = Fixtures.newDoor(settings: settings, width: 80, height: 24)
        _ = Fixtures.scan(&door, "U1.X1")
        _ = Fixtures.answer(&door, code: "U1.X1", admission: true, outcome: .success(Fixtures.report(.valid)), latency: .zero, at: start)
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(30)))
        guard case .verdict = door.banner else { Issue.record("sticky success cleared"); return }
        _ = Fixtures.scan(&door, "U1.X2", at: start + .seconds(31))
        _ = Fixtures.answer(&door, code: "U1.X2", admission: true, outcome: .success(Fixtures.report(.eventEnded)), latency: .zero, at: start + .seconds(31))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(34)))
        guard case .ready = door.banner else { Issue.record("timed denial stayed"); return }
    }

    @Test func confirmModePreviewsThenAdmitsOnEnter() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        door.mode = .confirm
        #expect(Fixtures.checks(Fixtures.scan(&door, "U1.CODE")) == ["verify U1.CODE"])
        var verified = Fixtures.report(.valid)
        verified.verdict.message = "Valid ticket: seat main-tonight.stalls.A.12"
        _ = Fixtures.answer(&door, code: "U1.CODE", admission: false, outcome: .success(verified), latency: .zero, at: start)
        guard case .preview = door.banner else { Issue.record("no preview"); return }
        #expect(Fixtures.checks(door.update(.key(.enter, at: start + .seconds(1)))) == ["admit U1.CODE"])
        // A denial in confirm mode is shown at once, nothing to confirm.
        _ = Fixtures.scan(&door, "U1.BAD", at: start + .seconds(2))
        _ = Fixtures.answer(&door, code: "U1.BAD", admission: false, outcome: .success(Fixtures.report(.badSignature)), latency: .zero, at: start)
        guard case .verdict(_, let admitted, _) = door.banner else { Issue.record("denial not shown"); return }
        #expect(!admitted)
    }

    @Test func quitAsksWhileAScanIsInFlight() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        _ = Fixtures.scan(&door, "U1.CODE")
        _ = door.update(.key(.character("q"), at: start + .seconds(1)))
        #expect(door.update(.tick(now: Fixtures.now, at: start + .seconds(2))) == [])
        #expect(door.overlay == .confirmQuit)
        _ = door.update(.key(.character("y"), at: start + .seconds(3)))
        #expect(door.update(.tick(now: Fixtures.now, at: start + .seconds(4))) == [.quit])
    }

    @Test func countersHistoryAndTelemetry() {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        for (index, reason) in [ScanReason.alreadyCheckedIn, .badSignature, .badSignature].enumerated() {
            let at = start + .seconds(10 + index)
            _ = Fixtures.scan(&door, "U1.N\(index)", at: at)
            _ = Fixtures.answer(&door, code: "U1.N\(index)", admission: true, outcome: .success(Fixtures.report(reason)), latency: .milliseconds(10 * (index + 1)), at: at)
        }
        #expect(door.admitted == 1)
        #expect(door.denied[.duplicate] == 1 && door.denied[.notFound] == 2)
        #expect(door.recent.count == 4 && door.recent.first?.result == .notFound)
        #expect(door.scansPerMinute == 4)
        #expect(door.p95Latency == .milliseconds(30))
    }

    @Test func imagesWithSeveralCodesLetStaffPick() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        _ = door.update(.decoded(path: "x.png", outcome: .codes(["U1.A", "U1.B"])))
        guard case .pick = door.banner else { Issue.record("no pick"); return }
        _ = door.update(.key(.character("2"), at: start))
        #expect(Fixtures.checks(door.update(.tick(now: Fixtures.now, at: start + .seconds(1)))) == ["admit U1.B"])
        _ = door.update(.decoded(path: "bad.png", outcome: .failed("bad.png: damaged image (CRC error)")))
        #expect(door.render().text.contains("damaged image"))
    }

    @Test func openImagePrompt() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        _ = door.update(.key(.character("i"), at: start))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(1)))
        for character in "/tmp/t.png" { _ = door.update(.key(.character(character), at: start + .seconds(2))) }
        #expect(door.render().text.contains("> /tmp/t.png_"))
        #expect(door.update(.key(.enter, at: start + .seconds(3))) == [.decodeImage(path: "/tmp/t.png")])
    }
}

@Suite("Door input while something else is on screen")
struct DoorInputCaptureTests {
    let start = Fixtures.start

    @Test func aScanDuringHelpIsCapturedWhole() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        door.overlay = .help
        #expect(Fixtures.checks(Fixtures.scan(&door, "U1.WHOLECODE")) == ["admit U1.WHOLECODE"])
        #expect(door.overlay == .none)
    }

    @Test func aScanIntoTheOpenPromptIsAScan() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        door.overlay = .openImage(path: "")
        #expect(Fixtures.checks(Fixtures.scan(&door, "U1.CODE")) == ["admit U1.CODE"])
    }

    @Test func quitQuestionTakesYesOrNo() {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        door.overlay = .confirmQuit
        _ = door.update(.key(.character("n"), at: start))
        #expect(door.update(.tick(now: Fixtures.now, at: start + .seconds(1))) == [])
        #expect(door.overlay == .none)
    }

    /// With several servers, the status bar names the one calls go to now.
    @Test func theStatusBarNamesTheServerThatAnswered() {
        var door = Fixtures.newDoor(width: 120, height: 40)
        #expect(door.render().text.contains("server 127.0.0.1:50051"), "one server: the configured one")
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .milliseconds(2), server: "10.0.0.2:50051")))
        let text = door.render().text
        #expect(text.contains("server 10.0.0.2:50051") && !text.contains("server 127.0.0.1:50051"), "\(text)")
    }
}
