import Foundation
import ScanModel
import Testing
import UsherCore

/// Offline screens as text (Snapshots/offline-*.txt), in colour with Unicode and in
/// ASCII monochrome.
@Suite("Offline door screens")
struct OfflineSnapshotTests {
    static let looks: [(Bool, Bool)] = [(false, true), (true, false)]

    func check(_ screen: Screen, named name: String, ascii: Bool, color: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try Snapshot.assert(screen, named: name + (ascii ? "-ascii" : ""), sourceLocation: sourceLocation)
        if ascii {
            #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }, "ASCII mode means ASCII", sourceLocation: sourceLocation)
        }
        if !color {
            #expect(
                screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }, "monochrome means no colour",
                sourceLocation: sourceLocation)
        }
    }

    /// The offline status: two full-width rows at the bottom, reversed (monochrome)
    /// or in the denial colour.
    @Test(arguments: looks)
    func offlineBanner(ascii: Bool, color: Bool) throws {
        let door = OfflineFixtures.offlineDoor(ascii: ascii, color: color)
        let screen = door.render()
        try check(screen, named: "offline-80x24-ready", ascii: ascii, color: color)
        let dot = ascii ? "-" : "·"
        #expect(screen.lines[22].hasPrefix(" OFFLINE: checking locally \(dot) last sync 11:06:00 (40 s ago) \(dot) 12 to upload"))
        #expect(screen.lines[23].hasPrefix(" back online after 3 good checks (1/3)"))
        for y in [22, 23] {
            for x in 0..<80 {
                let style = screen[x, y].style
                #expect(color ? style.background == .red : style.reverse, "the whole width of row \(y)")
            }
        }
    }

    @Test(arguments: looks)
    func forcedOffline(ascii: Bool, color: Bool) throws {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii, color: color))
        _ = door.update(.synced(.success(OfflineFixtures.synced())))
        _ = door.update(.key(.character("f"), at: Fixtures.start))
        _ = door.update(.tick(now: Fixtures.now, at: Fixtures.start + .seconds(1)))
        let screen = door.render()
        #expect(screen.lines[23].hasPrefix(" forced: f for automatic"))
        #expect(screen.text.contains("forced offline by staff"))
    }

    @Test(arguments: looks)
    func offlineSuccess(ascii: Bool, color: Bool) throws {
        let door = OfflineFixtures.offlineVerdict(OfflineFixtures.report(), ascii: ascii, color: color)
        let screen = door.render()
        try check(screen, named: "offline-80x24-SUCCESS", ascii: ascii, color: color)
        #expect(screen.lines[7].contains("OFFLINE VERDICT (local check)"), "inside the verdict banner")
        #expect(!screen.text.contains("seat not yet synced"))
        #expect(screen.text.contains("SUCCESS") && screen.text.contains("ADMIT"))
        let row = try #require(screen.lines.first { $0.contains("main-tonight.stalls.A.12") && $0.contains("SUCCESS") })
        #expect(row.contains("OFFLINE"), "the history row is marked: \(row)")
    }

    @Test(arguments: looks)
    func offlineSeatUnsyncedSuccess(ascii: Bool, color: Bool) throws {
        let door = OfflineFixtures.offlineVerdict(OfflineFixtures.report(seatUnsynced: true), ascii: ascii, color: color)
        let screen = door.render()
        try check(screen, named: "offline-80x24-SUCCESS-seat-unsynced", ascii: ascii, color: color)
        let dot = ascii ? "-" : "·"
        #expect(screen.text.contains("OFFLINE VERDICT (local check) \(dot) seat not yet synced: admitted on the code"))
        #expect(screen.text.contains("not in this door's copy yet"))
    }

    /// On a short screen the marker takes the banner's bottom row; it never drops.
    @Test func theOfflineMarkerSurvivesASmallScreen() {
        var door = OfflineFixtures.offlineVerdict(OfflineFixtures.report(seatUnsynced: true))
        _ = door.update(.resized(width: 70, height: 14))
        #expect(door.render().text.contains("OFFLINE VERDICT (local check)"))
    }

    @Test(arguments: looks)
    func clockWarning(ascii: Bool, color: Bool) throws {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii, color: color))
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        _ = door.update(.synced(.success(OfflineFixtures.synced(skew: 120))))
        let screen = door.render()
        try check(screen, named: "offline-80x24-clock-warning", ascii: ascii, color: color)
        #expect(screen.lines[22].contains("CLOCK: this terminal is 2 min 0 s ahead of the server"))
    }

    @Test(arguments: looks)
    func uploadingAfterComingBack(ascii: Bool, color: Bool) throws {
        var door = Fixtures.door(showing: Fixtures.report(.valid), ascii: ascii, color: color)
        _ = door.update(.journal(JournalStatus(pending: 12, conflicts: 2)))
        let screen = door.render()
        try check(screen, named: "offline-80x24-uploading", ascii: ascii, color: color)
        let dot = ascii ? "-" : "·"
        #expect(screen.lines[22] == Snapshot.padded(" uploading 12 offline scans \(dot) 2 conflicts sent to supervisors", 80))
        #expect(screen.lines[23].contains("ONLINE"))
    }
}

extension Snapshot {
    static func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
