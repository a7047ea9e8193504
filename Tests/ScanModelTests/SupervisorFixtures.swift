import Foundation
import ScanModel
import UsherCore

/// A demo-like hall with a fixed pattern of statuses, and a terminal driven by a
/// fake clock, so supervisor screens are the same on every machine.
enum SupervisorFixtures {
    /// Sections in venue order (not alphabetical), rows A…, seats 1…n.
    static func hallSeats(
        sections: [(name: String, rows: Int, seatsPerRow: Int)] = [("Stalls", 12, 20), ("Balcony", 4, 15)],
        pattern: (Int) -> SeatStatus = defaultPattern
    ) -> [HallSeat] {
        var seats: [HallSeat] = []
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        for (s, section) in sections.enumerated() {
            for r in 0..<section.rows {
                let row = r < letters.count ? String(letters[r]) : "R\(r + 1)"
                for number in 1...section.seatsPerRow {
                    let id = "gala.\(section.name.lowercased()).\(row).\(number)"
                    seats.append(
                        HallSeat(
                            seatID: id, section: section.name, sectionPosition: s, row: row, rowPosition: r, number: number,
                            status: pattern(seats.count), revision: 2))
                }
            }
        }
        return seats
    }

    /// Every seventh seat inside, every third sold, every eleventh held.
    static func defaultPattern(_ i: Int) -> SeatStatus {
        if i % 7 == 0 { return .checkedIn }
        if i % 11 == 0 { return .held }
        if i % 3 == 0 { return .sold }
        return .available
    }

    static func change(_ seats: [HallSeat], cursor: Int64, complete: Bool) -> HallSeatsChange {
        HallSeatsChange(
            hallID: "main", hallName: "Main Hall", eventID: "gala", eventName: "The Usher Gala", seats: seats,
            cursor: cursor, isComplete: complete, asOf: Fixtures.now)
    }

    static let report = OccupancyReport(
        halls: [
            HallOccupancy(
                hallID: "main", hallName: "Main Hall", eventID: "gala", eventName: "The Usher Gala",
                doorsAt: Fixtures.now.addingTimeInterval(-5400), startsAt: Fixtures.now.addingTimeInterval(-3600),
                endsAt: Fixtures.now.addingTimeInterval(7200),
                capacity: 300, available: 150, held: 10, sold: 80, checkedIn: 60,
                admissionsPerMinute: [0, 0, 1, 2, 4, 8, 12, 9, 6, 3, 2, 1, 0, 5, 7],
                // 6 of the 60 stepped out (an exit door); the side door lets them back in.
                insideNow: 54,
                doorFlows: [
                    DoorFlow(terminalID: "door-main-1", entries: 38, exits: 0),
                    DoorFlow(terminalID: "door-main-exit", entries: 0, exits: 6),
                    DoorFlow(terminalID: "door-main-2", entries: 22, exits: 0),
                ]),
            HallOccupancy(
                hallID: "studio", hallName: "Studio", eventID: "jazz", eventName: "Late Jazz",
                doorsAt: Fixtures.now.addingTimeInterval(1800), startsAt: Fixtures.now.addingTimeInterval(1800),
                endsAt: Fixtures.now.addingTimeInterval(9000),
                capacity: 40, available: 30, held: 0, sold: 10, checkedIn: 0,
                admissionsPerMinute: Array(repeating: 0, count: 15)),
        ],
        asOf: Fixtures.now)
}

/// A terminal under test: events in at a fake time, effects collected.
struct Terminal {
    var state: TerminalState
    var clock: ContinuousClock.Instant = Fixtures.start
    /// The conflicts each ListConflicts poll is answered with, at once; nil: the poll
    /// is left to the test, like any other effect.
    var servedConflicts: [ScanConflict]? = []
    /// The same for ListDoors.
    var servedDoors: DoorBoard? = DoorBoard(doors: [], serverTime: Fixtures.now)

    init(
        role: TerminalRole = .supervisor, allowsViews: Bool = false, view: TerminalView = .seatMap,
        width: Int = 80, height: Int = 24, ascii: Bool = false, color: Bool = true,
        layouts: [HallLayout] = [], perSeatBatch: Int = 48
    ) {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii, color: color), width: width, height: height)
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        state = TerminalState(
            door: door,
            settings: TerminalSettings(
                role: role, allowsViews: allowsViews, initialView: view, pollInterval: .seconds(1),
                perSeatBatch: perSeatBatch, fallbackLayouts: layouts))
    }

    /// Lets `duration` pass with clock ticks every 50 ms, as the curses layer sends them.
    @discardableResult
    mutating func wait(_ duration: Duration = .milliseconds(50)) -> [TerminalEffect] {
        var effects: [TerminalEffect] = []
        let end = clock + duration
        while clock < end {
            clock += .milliseconds(50)
            for effect in state.update(.door(.tick(now: Fixtures.now, at: clock))) {
                // The door asks for its hall's events now and then; answered here, so
                // each test sees the effects of what it is about.
                if effect == .door(.loadSchedule) {
                    _ = state.update(.door(.schedule(.success(Fixtures.schedule), at: clock)))
                } else if effect == .loadConflicts, let servedConflicts {
                    _ = state.update(.conflicts(.success(servedConflicts), at: clock))
                } else if effect == .loadDoors, let servedDoors {
                    _ = state.update(.doors(.success(servedDoors), at: clock))
                } else {
                    effects.append(effect)
                }
            }
        }
        return effects
    }

    /// A key typed by a person, then enough quiet for the scanner detector to call it a command.
    @discardableResult
    mutating func press(_ key: TerminalKey) -> [TerminalEffect] {
        clock += .milliseconds(5)
        var effects = state.update(.door(.key(key, at: clock)))
        effects += wait(.milliseconds(200))
        return effects
    }

    @discardableResult
    mutating func type(_ character: Character) -> [TerminalEffect] { press(.character(character)) }

    /// A scanner burst ending in Enter.
    @discardableResult
    mutating func scan(_ code: String) -> [TerminalEffect] {
        var effects: [TerminalEffect] = []
        for character in code {
            clock += .milliseconds(3)
            effects += state.update(.door(.key(.character(character), at: clock)))
        }
        clock += .milliseconds(3)
        effects += state.update(.door(.key(.enter, at: clock)))
        return effects
    }

    @discardableResult
    mutating func send(_ event: TerminalEvent) -> [TerminalEffect] { state.update(event) }

    /// Answers the map's poll with `change`.
    mutating func answerMap(_ change: HallSeatsChange, since: Int64) {
        _ = state.update(.hallSeats(target: state.seatMap.target, since: since, .success(change), at: clock))
    }

    /// The map's poll since `since` fails: the server is gone.
    mutating func failMapPoll(since: Int64) {
        let error = CallFailure(.unanswered, "server unreachable at 127.0.0.1:50051")
        _ = state.update(.hallSeats(target: state.seatMap.target, since: since, .failure(error), at: clock))
    }

    /// A terminal on the map view showing the fixture hall.
    static func mapLoaded(width: Int = 80, height: Int = 24, ascii: Bool = false, color: Bool = true) -> Terminal {
        var terminal = Terminal(view: .seatMap, width: width, height: height, ascii: ascii, color: color)
        terminal.wait()
        terminal.answerMap(SupervisorFixtures.change(SupervisorFixtures.hallSeats(), cursor: 100, complete: true), since: 0)
        return terminal
    }

    var screen: String { state.render().text }
}
