import Foundation
import ScanModel
import Testing
import UsherCore

/// Rendered screens compared as text with files in Snapshots/. A missing or
/// different snapshot fails; USHER_RECORD_SNAPSHOTS=1 rewrites them for review.
@Suite("Door screens")
struct SnapshotTests {
    static let reasons: [ScanReason] = [
        .valid, .alreadyCheckedIn, .wrongHall, .wrongEvent, .holdNotPaid, .notYetValid, .eventEnded, .badSignature,
        .revokedByTransfer,
    ]

    func assertSnapshot(_ screen: Screen, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try Snapshot.assert(screen, named: name, sourceLocation: sourceLocation)
    }

    @Test(arguments: reasons)
    func everyVerdictAt80x24(_ reason: ScanReason) throws {
        try assertSnapshot(Fixtures.door(showing: Fixtures.report(reason)).render(), named: "80x24-\(reason.result.rawValue)-\(slug(reason))")
    }

    @Test(arguments: reasons)
    func everyVerdictAt120x40(_ reason: ScanReason) throws {
        try assertSnapshot(
            Fixtures.door(showing: Fixtures.report(reason), width: 120, height: 40).render(),
            named: "120x40-\(reason.result.rawValue)-\(slug(reason))")
    }

    @Test(arguments: reasons)
    func asciiAndMonochrome(_ reason: ScanReason) throws {
        let door = Fixtures.door(showing: Fixtures.report(reason), ascii: true, color: false)
        let screen = door.render()
        try assertSnapshot(screen, named: "80x24-ascii-\(reason.result.rawValue)-\(slug(reason))")
        // ASCII mode means ASCII: every character is 7-bit.
        let allASCII = screen.text.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        // Monochrome means no colour anywhere; the verdict banner is reverse video instead.
        #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil })
        #expect(screen[0, 2].style.reverse)
    }

    @Test func verdictWordAndGlyphAreOnScreenNotOnlyColour() {
        for reason in Self.reasons {
            let look = VerdictLook.of(reason.result, ascii: false)
            let text = Fixtures.door(showing: Fixtures.report(reason)).render().text
            #expect(text.contains("\(look.glyph)  \(look.word)"), "\(reason)")
        }
    }

    /// The header names the show this door admits, or says why it cannot.
    @Test func theHeaderNamesTheShow() throws {
        var door = Fixtures.newDoor()
        #expect(door.render().lines[0].contains("hall main · The Usher Gala · AUTO"))
        var pinned = Fixtures.settings()
        pinned.eventID = "main-tonight"
        #expect(Fixtures.newDoor(settings: pinned).render().lines[0].contains("The Usher Gala only"))
        pinned.eventID = "main-matinee"
        #expect(Fixtures.newDoor(settings: pinned).render().lines[0].contains("event main-matinee is not in this hall"))
        var overlapping = Fixtures.schedule
        overlapping.events.append(
            EventWindow(
                eventID: "late", hallID: "main", name: "Late Show", doorsAt: Fixtures.now.addingTimeInterval(-60),
                startsAt: Fixtures.now.addingTimeInterval(1800), endsAt: Fixtures.now.addingTimeInterval(9000)))
        _ = door.update(.schedule(.success(overlapping), at: Fixtures.start + .seconds(40)))
        #expect(door.render().lines[0].contains("2 shows open at once: pin this door (--event)"))
        door.now = Fixtures.now.addingTimeInterval(20000)
        #expect(door.render().lines[0].contains("closed: Late Show ended"))
    }

    /// NOT CHECKED is what a door forced online shows when the server does not
    /// answer (an automatic door decides locally instead: see OfflineDoorTests).
    @Test func readyOfflineAndUncheckedScreens() throws {
        var door = Fixtures.newDoor(settings: Fixtures.settings(), width: 80, height: 24)
        try assertSnapshot(door.render(), named: "80x24-ready")
        door.link = DoorLink(force: .forcedOnline)
        _ = door.update(.connection(ConnectionState(status: .offline)))
        _ = Fixtures.scan(&door, "U1.CODE")
        let failure = CallFailure(.unanswered, "server unreachable at 127.0.0.1:50051")
        _ = Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .failure(failure), latency: .seconds(1), at: Fixtures.start)
        let screen = door.render()
        try assertSnapshot(screen, named: "80x24-offline-unchecked")
        #expect(screen.text.contains("NOT CHECKED") && screen.text.contains("OFFLINE"))
        #expect(!screen.text.contains("SUCCESS"), "never a success that was not confirmed")
    }

    @Test func resizingReRenders() {
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = door.update(.resized(width: 70, height: 20))
        let screen = door.render()
        #expect(screen.width == 70 && screen.height == 20)
        #expect(screen.text.contains("SUCCESS"))
        _ = door.update(.resized(width: 10, height: 3))
        #expect(door.render().text.contains("too small"))
        #expect(door.render().lines.count == 3)
    }

    private func slug(_ reason: ScanReason) -> String {
        reason.rawValue.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
    }
}
