import Foundation
import ScanModel
import Testing
import UsherCore

/// Supervisors see conflicts from offline doors until one acknowledges them.
@Suite("Conflict alerts")
struct ConflictAlertTests {
    /// A supervisor terminal on `view` whose conflict polls are answered with the fixtures.
    func terminal(_ view: TerminalView = .occupancy, ascii: Bool = false, color: Bool = true) -> Terminal {
        var terminal = Terminal(view: view, ascii: ascii, color: color)
        terminal.servedConflicts = OfflineFixtures.conflicts
        terminal.wait()
        if view == .occupancy { _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock)) }
        return terminal
    }

    @Test func conflictsArePolledWithTheSupervisorViewsOnly() {
        var terminal = Terminal(view: .occupancy)
        terminal.servedConflicts = nil
        #expect(terminal.wait() == [.loadOccupancy, .loadConflicts], "together, on the same cadence")
        #expect(terminal.wait(.seconds(2)).isEmpty, "one request at a time")
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        _ = terminal.send(.conflicts(.success([]), at: terminal.clock))
        #expect(terminal.wait(.seconds(1)) == [.loadOccupancy, .loadConflicts])
        _ = terminal.send(.conflicts(.success([]), at: terminal.clock))
        terminal.type("1")
        #expect(terminal.wait(.seconds(5)).filter { $0 == .loadConflicts }.isEmpty, "not on the door view")
        #expect(terminal.type("2").contains(.loadConflicts), "at once on the map")
    }

    @Test func anOlderServerWithoutConflictsIsNotAskedAgain() {
        var terminal = Terminal(view: .occupancy)
        terminal.servedConflicts = nil
        terminal.wait()
        _ = terminal.send(.conflicts(.failure(CallFailure(.unsupported, "no ListConflicts")), at: terminal.clock))
        #expect(!terminal.wait(.seconds(3)).contains(.loadConflicts))
        #expect(!terminal.screen.contains("CONFLICT"))
    }

    @Test func newestFirstAndAcknowledgedFromTheTop() {
        var terminal = terminal()
        #expect(terminal.state.conflicts.open.map(\.id) == [9, 7], "newest first")
        #expect(terminal.screen.contains("! 2 CONFLICTS  Seat B-12: admitted at door-2 10:03 (offline) and door-5 10:04"))
        let effects = terminal.type("a")
        #expect(effects == [.acknowledgeConflict(id: 9)])
        #expect(terminal.type("a").isEmpty, "one acknowledgement at a time")
        #expect(terminal.screen.contains("acknowledging"))
        #expect(terminal.state.conflicts.open.count == 2, "the alert stays until the server says it is done")

        var done = OfflineFixtures.conflicts[1]
        done.acknowledgedAt = Fixtures.now
        _ = terminal.send(.conflictAcknowledged(.success(done)))
        #expect(terminal.state.conflicts.open.map(\.id) == [7])
        // A poll that left before the acknowledgement landed does not bring it back.
        terminal.wait(.seconds(1))
        #expect(terminal.state.conflicts.open.map(\.id) == [7])
        #expect(terminal.screen.contains("! 1 CONFLICT  Seat C-3"))
        #expect(terminal.type("A") == [.acknowledgeConflict(id: 7)], "A as a too")
    }

    @Test func aFailedAcknowledgementKeepsTheAlert() {
        var terminal = terminal()
        #expect(terminal.type("a") == [.acknowledgeConflict(id: 9)])
        _ = terminal.send(.conflictAcknowledged(.failure(CallFailure(.unanswered, "server unreachable"))))
        #expect(terminal.state.conflicts.open.count == 2)
        #expect(terminal.screen.contains("could not acknowledge: server unreachable"))
        #expect(terminal.type("a") == [.acknowledgeConflict(id: 9)], "and may try again")
    }

    @Test func aFailedPollKeepsTheAlerts() {
        var terminal = terminal()
        terminal.servedConflicts = nil
        terminal.wait(.seconds(1))
        _ = terminal.send(.conflicts(.failure(CallFailure(.unanswered, "server unreachable")), at: terminal.clock))
        #expect(terminal.state.conflicts.open.count == 2)
    }

    @Test func theKeyIsInTheSupervisorHelpOnly() {
        #expect(Keymap.command(for: .character("a"), in: .occupancy, viewsEnabled: true) == .acknowledge)
        #expect(Keymap.command(for: .character("a"), in: .seatMap, viewsEnabled: true) == .acknowledge)
        #expect(Keymap.command(for: .character("a"), in: .door, viewsEnabled: true) == nil)
        #expect(Keymap.helpLines(for: .occupancy, viewsEnabled: true).contains { $0.contains("acknowledge the top conflict alert") })
    }

    @Test(arguments: [(false, true), (true, false)])
    func occupancyAlert(ascii: Bool, color: Bool) throws {
        let terminal = terminal(ascii: ascii, color: color)
        let screen = terminal.state.render()
        try Snapshot.assert(screen, named: "supervisor-conflicts-80x24" + (ascii ? "-ascii" : ""))
        #expect(screen.lines[1].hasPrefix(" ! 2 CONFLICTS  Seat B-12"))
        #expect(screen.lines[2].contains("Seat C-3"))
        #expect(screen.text.contains("Main Hall"), "the table is still there, below")
        for x in 0..<80 {
            let style = screen[x, 1].style
            #expect(color ? style.background == .red : style.reverse)
        }
        if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
    }

    @Test func theSeatMapShowsTheNewestInItsLegendLine() {
        var terminal = terminal(.seatMap)
        terminal.answerMap(SupervisorFixtures.change(SupervisorFixtures.hallSeats(), cursor: 100, complete: true), since: 0)
        let line = terminal.state.render().lines[2]
        #expect(line.hasPrefix(" ! 2 CONFLICTS  Seat B-12"), "\(line)")
        #expect(terminal.type("a") == [.acknowledgeConflict(id: 9)])
    }
}
