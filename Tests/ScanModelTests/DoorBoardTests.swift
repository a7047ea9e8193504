import Foundation
import ScanModel
import Testing
import UsherCore

/// Supervisors see every door and how it stands: the ones that cannot reach the
/// server, are offline or have scans waiting come first.
@Suite("Door list")
struct DoorBoardTests {
    static func report(offline: Bool = false, forced: Bool = false, pending: Int = 0, skew: TimeInterval = 0.2) -> DoorReport {
        DoorReport(offline: offline, forced: forced, pendingUploads: pending, clockSkew: skew)
    }

    /// Six doors of two halls, one of each condition, at the fixtures' now.
    static let board = DoorBoard(
        doors: [
            DoorStatus(terminalID: "door-main-1", hallID: "main", lastSyncAt: Fixtures.now.addingTimeInterval(-2), report: report()),
            DoorStatus(
                terminalID: "door-main-2", hallID: "main", lastSyncAt: Fixtures.now.addingTimeInterval(-40),
                report: report(offline: true, pending: 12)),
            DoorStatus(
                terminalID: "door-main-3", hallID: "main", lastSyncAt: Fixtures.now.addingTimeInterval(-1),
                report: report(offline: true, forced: true, pending: 3, skew: 125)),
            DoorStatus(terminalID: "door-studio", hallID: "studio", lastSyncAt: nil, report: nil),
            DoorStatus(terminalID: "door-main-4", hallID: "main", lastSyncAt: Fixtures.now.addingTimeInterval(-3), report: report()),
            // 5 wrong supervisor PINs a minute ago.
            DoorStatus(
                terminalID: "door-main-5", hallID: "main", lastSyncAt: Fixtures.now.addingTimeInterval(-1), report: report(),
                overridesLockedUntil: Fixtures.now.addingTimeInterval(240)),
        ],
        serverTime: Fixtures.now)

    @Test func theConditionIsJudgedOnTheServersClock() {
        let now = Fixtures.now
        let conditions = Self.board.doors.map { DoorCondition($0, at: now) }
        #expect(
            conditions == [
                .online, .noContact(lastSyncAt: now.addingTimeInterval(-40)), .offline(forced: true), .neverSynced, .online,
                .overridesLocked(until: now.addingTimeInterval(240)),
            ])
        // Once the lock has run out, the door is just online.
        var later = Self.board.doors[5]
        later.lastSyncAt = now.addingTimeInterval(239)
        #expect(DoorCondition(later, at: now.addingTimeInterval(240)) == .online)
        // Silent for exactly the limit: no longer in contact.
        let quiet = DoorStatus(
            terminalID: "d", hallID: "main", lastSyncAt: now.addingTimeInterval(-DoorStatus.contactLostAfter), report: Self.report())
        #expect(DoorCondition(quiet, at: now) == .noContact(lastSyncAt: quiet.lastSyncAt!))
        #expect(DoorCondition(quiet, at: now.addingTimeInterval(-0.1)) == .online)
    }

    @Test func doorsNeedingALookComeFirst() {
        var state = DoorBoardState(pollInterval: .seconds(1))
        #expect(state.doors.isEmpty)
        state.board = Self.board
        #expect(
            state.doors.map(\.door.terminalID)
                == ["door-main-2", "door-main-3", "door-main-5", "door-studio", "door-main-1", "door-main-4"])
    }

    @Test func polledWithTheOccupancyViewOnlyAndAnOlderServerIsNotAskedAgain() {
        var terminal = Terminal(view: .occupancy)
        terminal.servedDoors = nil
        #expect(terminal.wait().contains(.loadDoors))
        #expect(!terminal.wait(.seconds(2)).contains(.loadDoors), "one request at a time")
        _ = terminal.send(.doors(.success(Self.board), at: terminal.clock))
        #expect(terminal.wait(.seconds(1)).contains(.loadDoors), "again after the interval")
        _ = terminal.send(.doors(.failure(CallFailure(.unsupported, "no ListDoors")), at: terminal.clock))
        #expect(!terminal.wait(.seconds(3)).contains(.loadDoors))
        #expect(!terminal.screen.contains("DOORS"))

        var map = Terminal(view: .seatMap)
        map.servedDoors = nil
        #expect(!map.wait(.seconds(3)).contains(.loadDoors), "the map does not show doors")
    }

    @Test func aFailedPollKeepsTheListAndSaysItIsStale() {
        var terminal = Terminal(view: .occupancy)
        terminal.servedDoors = Self.board
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        terminal.servedDoors = nil
        let effects = terminal.wait(.seconds(2))
        #expect(effects.contains(.loadDoors))
        _ = terminal.send(.doors(.failure(CallFailure(.unanswered, "server unreachable")), at: terminal.clock))
        #expect(terminal.screen.contains("STALE: server unreachable"), "\(terminal.screen)")
        #expect(terminal.screen.contains("door-main-2"), "the last list stays")
    }

    @Test(arguments: [false, true])
    func occupancyWithDoors(ascii: Bool) throws {
        var terminal = Terminal(view: .occupancy, ascii: ascii, color: !ascii)
        terminal.servedDoors = Self.board
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        try Snapshot.assert(terminal.state.render(), named: "supervisor-doors-80x24" + (ascii ? "-ascii" : ""))
    }

    @Test func whatDoesNotFitIsCountedNotCut() {
        var terminal = Terminal(view: .occupancy, height: 17)
        terminal.servedDoors = Self.board
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        let screen = terminal.screen
        #expect(screen.contains("DOORS (6) · 4 need a look"), "\(screen)")
        #expect(screen.contains("door-main-2"), "problems first")
        #expect(screen.contains("more"), "\(screen)")
    }
}
