import Foundation
import ScanModel
import Testing
import UsherCore

/// The seat map and occupancy views as text (Snapshots/supervisor-*.txt).
@Suite("Supervisor screens")
struct SupervisorSnapshotTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func seatMap(_ width: Int, _ height: Int) throws {
        var terminal = Terminal.mapLoaded(width: width, height: height)
        terminal.press(.down)
        terminal.press(.right)
        try Snapshot.assert(terminal.state.render(), named: "supervisor-map-\(width)x\(height)")
    }

    @Test func seatMapInASCIIAndMonochrome() throws {
        let terminal = Terminal.mapLoaded(ascii: true, color: false)
        let screen = terminal.state.render()
        try Snapshot.assert(screen, named: "supervisor-map-80x24-ascii")
        #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil })
    }

    @Test func everyStatusHasItsOwnGlyphNotOnlyAColour() {
        for ascii in [false, true] {
            let glyphs = Set(([SeatStatus.available, .held, .sold, .checkedIn] as [SeatStatus?] + [nil]).map { SeatLook.of($0, ascii: ascii).glyph })
            #expect(glyphs.count == 5)
            let screen = Terminal.mapLoaded(ascii: ascii).screen
            for status in SeatStatus.allCases {
                let look = SeatLook.of(status, ascii: ascii)
                #expect(screen.contains("\(look.glyph) \(look.word)"), "the legend names \(status)")
            }
        }
    }

    @Test func overview() throws {
        var terminal = Terminal.mapLoaded()
        terminal.type("z")
        try Snapshot.assert(terminal.state.render(), named: "supervisor-map-overview-80x24")
    }

    @Test func seatDetail() throws {
        var terminal = Terminal.mapLoaded()
        terminal.press(.enter)
        let seat = Seat(
            seatID: "gala.stalls.A.1", eventID: "gala", hallID: "main", section: "Stalls", row: "A", number: 1,
            state: .checkedIn(owner: "guest-1", orderID: "o", checkIn: CheckIn(at: Fixtures.now, terminalID: "door-2", staffID: "s")),
            updatedAt: Fixtures.now, revision: 7, ticketSerial: 1)
        _ = terminal.send(.seatDetail(seatID: "gala.stalls.A.1", .success(seat)))
        try Snapshot.assert(terminal.state.render(), named: "supervisor-map-detail-80x24")
    }

    @Test func staleMap() throws {
        var terminal = Terminal.mapLoaded()
        terminal.wait(.seconds(1))
        terminal.failMapPoll(since: 100)
        try Snapshot.assert(terminal.state.render(), named: "supervisor-map-stale-80x24")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func occupancy(_ width: Int, _ height: Int) throws {
        var terminal = Terminal(view: .occupancy, width: width, height: height)
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        try Snapshot.assert(terminal.state.render(), named: "supervisor-occupancy-\(width)x\(height)")
    }

    @Test func occupancyInASCII() throws {
        var terminal = Terminal(view: .occupancy, ascii: true, color: false)
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        let screen = terminal.state.render()
        try Snapshot.assert(screen, named: "supervisor-occupancy-80x24-ascii")
        #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    /// The server's database has lost its synchronous standby: both views say so,
    /// loudly, until an answer comes without the warning.
    @Test func aDegradedDatabaseIsShownUntilTheServerStopsSayingSo() throws {
        let warning = "degraded: no synchronous standby"
        var terminal = Terminal(view: .occupancy)
        terminal.wait()
        var report = SupervisorFixtures.report
        report.databaseWarning = warning
        _ = terminal.send(.occupancy(.success(report), at: terminal.clock))
        let screen = terminal.state.render()
        try Snapshot.assert(screen, named: "supervisor-occupancy-degraded-80x24")
        let line = try #require(screen.text.split(separator: "\n").firstIndex { $0.contains("⚠ DATABASE \(warning)") })
        #expect(screen[1, line].style.background == .yellow)

        var map = Terminal.mapLoaded()
        #expect(!map.screen.contains(warning))
        map.wait(.seconds(1))
        var change = SupervisorFixtures.change([], cursor: 101, complete: false)
        change.databaseWarning = warning
        map.answerMap(change, since: 100)
        #expect(map.screen.contains("⚠ DATABASE \(warning)"), "\(map.screen)")
        map.wait(.seconds(1))
        map.answerMap(SupervisorFixtures.change([], cursor: 102, complete: false), since: 101)
        #expect(!map.screen.contains(warning), "the standby is back: \(map.screen)")
    }

    @Test func theSparklineFollowsArrivals() {
        var terminal = Terminal(view: .occupancy)
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        // Main Hall: [0,0,1,2,4,8,12,9,6,3,2,1,0,5,7]: the peak of 12 at the top, any
        // arrival above the baseline, none on it.
        #expect(terminal.screen.contains("▁▁▂▃▄▆█▇▅▃▃▂▁▄▆"))
        #expect(terminal.screen.contains("▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁"), "no arrivals: a flat line")
    }
}
