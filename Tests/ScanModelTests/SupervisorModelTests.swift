import Foundation
import ScanModel
import Testing
import UsherCore

@Suite("Supervisor views")
struct SupervisorModelTests {
    // MARK: views and roles

    @Test func aDoorTerminalStaysOnTheDoor() {
        var terminal = Terminal(role: .door, view: .seatMap)
        #expect(terminal.state.view == .door, "a door terminal may not start on the map")
        terminal.press(.tab)
        terminal.type("2")
        terminal.type("3")
        #expect(terminal.state.view == .door)
        #expect(terminal.wait(.seconds(3)).isEmpty, "the door polls nothing")
        #expect(!terminal.screen.contains("Tab views"))
    }

    @Test func allowedDoorsAndSupervisorsSwitchViews() {
        for (role, allows) in [(TerminalRole.door, true), (.supervisor, false)] {
            var terminal = Terminal(role: role, allowsViews: allows, view: .door)
            #expect(terminal.screen.contains("Tab views"))
            terminal.type("2")
            #expect(terminal.state.view == .seatMap)
            terminal.type("3")
            #expect(terminal.state.view == .occupancy)
            terminal.press(.tab)
            #expect(terminal.state.view == .door)
            terminal.press(.tab)
            #expect(terminal.state.view == .seatMap)
            terminal.type("1")
            #expect(terminal.state.view == .door)
        }
    }

    @Test func aScanOnASupervisorViewIsCheckedAtTheDoor() {
        var terminal = Terminal.mapLoaded()
        let effects = terminal.scan("U1.SCANNEDCODE")
        #expect(effects == [.door(.check(Scan(id: "scan-1", code: "U1.SCANNEDCODE", readAt: Fixtures.now), admit: true))])
        #expect(terminal.state.view == .door)
    }

    // MARK: polling

    @Test func theMapPollsByDeltaOneRequestAtATime() {
        var terminal = Terminal(view: .seatMap)
        let target = terminal.state.seatMap.target
        #expect(terminal.wait() == [.loadHallSeats(target: target, since: 0)], "a full load first")
        #expect(terminal.wait(.seconds(3)).isEmpty, "nothing more while the answer is outstanding")
        terminal.answerMap(SupervisorFixtures.change(SupervisorFixtures.hallSeats(), cursor: 100, complete: true), since: 0)
        let pinned = SeatMapState.Target(hallID: "main", eventID: "gala")
        #expect(terminal.wait(.milliseconds(900)).isEmpty, "nothing until the interval has passed")
        #expect(terminal.wait(.milliseconds(200)) == [.loadHallSeats(target: pinned, since: 100)], "then a delta from the cursor")
        // Nothing new: the cursor stays, the map stays.
        terminal.answerMap(SupervisorFixtures.change([], cursor: 100, complete: false), since: 100)
        #expect(terminal.wait(.seconds(1)) == [.loadHallSeats(target: pinned, since: 100)])
    }

    @Test func onlyTheViewOnScreenPolls() {
        var terminal = Terminal(view: .occupancy)
        #expect(terminal.wait() == [.loadOccupancy])
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        terminal.type("1")
        #expect(terminal.wait(.seconds(5)).isEmpty, "the door view polls nothing")
        let effects = terminal.type("2")
        #expect(effects == [.loadHallSeats(target: .init(hallID: "main"), since: 0)], "the map loads as soon as it shows")
    }

    @Test func aDeltaChangesExactlyItsSeats() {
        var terminal = Terminal.mapLoaded()
        let before = terminal.state.seatMap.map!
        let seats = SupervisorFixtures.hallSeats()
        let changed = [seats[1], seats[2]].map { seat -> HallSeat in
            var seat = seat
            seat.status = .checkedIn
            seat.revision = 9
            return seat
        }
        terminal.wait(.seconds(1))
        terminal.answerMap(SupervisorFixtures.change(changed, cursor: 120, complete: false), since: 100)
        let after = terminal.state.seatMap.map!
        #expect(after.counts.checkedIn == before.counts.checkedIn + 2)
        #expect(after.place(seats[1].seatID)?.status == .checkedIn)
        #expect(after.counts.total == before.counts.total)
        #expect(terminal.state.seatMap.source == .delta(cursor: 120))
        // A repeated, older copy of a seat (deltas may repeat) does not undo the change.
        var stale = seats[1]
        stale.revision = 2
        terminal.wait(.seconds(1))
        terminal.answerMap(SupervisorFixtures.change([stale], cursor: 120, complete: false), since: 120)
        #expect(terminal.state.seatMap.map?.place(seats[1].seatID)?.status == .checkedIn)
    }

    @Test func aSeatTheMapLacksReloadsTheHall() {
        var terminal = Terminal.mapLoaded()
        terminal.wait(.seconds(1))
        let newSeat = HallSeat(
            seatID: "gala.gallery.A.1", section: "Gallery", sectionPosition: 2, row: "A", rowPosition: 0, number: 1,
            status: .sold, revision: 1)
        terminal.answerMap(SupervisorFixtures.change([newSeat], cursor: 130, complete: false), since: 100)
        #expect(terminal.wait() == [.loadHallSeats(target: .init(hallID: "main", eventID: "gala"), since: 0)])
    }

    @Test func anAnswerForAnotherHallIsDropped() {
        var terminal = Terminal.mapLoaded()
        let before = terminal.state.seatMap.map
        _ = terminal.send(
            .hallSeats(
                target: .init(hallID: "studio"), since: 0,
                .success(SupervisorFixtures.change([], cursor: 5, complete: true)), at: terminal.clock))
        #expect(terminal.state.seatMap.map == before)
    }

    @Test func aFailedPollKeepsTheMapAndSaysItIsStale() {
        var terminal = Terminal.mapLoaded()
        terminal.wait(.seconds(1))
        terminal.failMapPoll(since: 100)
        #expect(terminal.state.seatMap.map != nil)
        #expect(terminal.screen.contains("STALE: server unreachable"))
        #expect(terminal.wait(.seconds(1)) == [.loadHallSeats(target: terminal.state.seatMap.target, since: 100)], "and tries again")
    }

    // MARK: the per-seat fallback

    static let unimplemented = CallFailure(.unsupported, "the server does not offer ListHallSeats")

    @Test func anOlderServerIsReadSeatBySeatInBoundedBatches() throws {
        let layout = HallLayout(
            hallName: "Main Hall",
            event: EventWindow(
                eventID: "gala", hallID: "main", name: "The Usher Gala", doorsAt: Fixtures.now.addingTimeInterval(-3600),
                startsAt: Fixtures.now, endsAt: Fixtures.now.addingTimeInterval(7200)),
            seats: SupervisorFixtures.hallSeats())
        var terminal = Terminal(view: .seatMap, layouts: [layout], perSeatBatch: 10)
        terminal.wait()
        _ = terminal.send(.hallSeats(target: .init(hallID: "main"), since: 0, .failure(Self.unimplemented), at: terminal.clock))
        #expect(terminal.state.seatMap.source == .perSeat)
        #expect(terminal.state.seatMap.map?.counts.unknown == layout.seats.count)
        let effects = terminal.wait()
        guard case .readSeats(let target, let batch)? = effects.first, effects.count == 1 else {
            Issue.record("expected one batch, got \(effects)")
            return
        }
        #expect(batch.count == 10)
        #expect(batch.first == "gala.stalls.A.1")
        #expect(terminal.wait(.seconds(2)).isEmpty, "one batch at a time")
        var results: [String: Result<Seat, CallFailure>] = [:]
        for id in batch {
            results[id] = .success(
                Seat(
                    seatID: id, eventID: "gala", hallID: "main", section: "Stalls", row: "A", number: 1,
                    state: .sold(owner: "u", orderID: "o"), updatedAt: Fixtures.now, revision: 4, ticketSerial: 1))
        }
        _ = terminal.send(.seatsRead(target: target, results, at: terminal.clock))
        #expect(terminal.state.seatMap.map?.counts.sold == 10)
        // The next batch goes on to seats not read yet, and only seats on screen.
        guard case .readSeats(_, let next)? = terminal.wait(.seconds(1)).first else {
            Issue.record("no second batch")
            return
        }
        #expect(Set(next).isDisjoint(with: batch))
        #expect(next.allSatisfy { $0.hasPrefix("gala.stalls.") }, "the balcony is not on an 80x24 screen yet")
        #expect(terminal.screen.contains("seat by seat"))
    }

    @Test func anOlderServerWithoutAVenueFileSaysWhatToDo() {
        var terminal = Terminal(view: .seatMap)
        terminal.wait()
        _ = terminal.send(.hallSeats(target: .init(hallID: "main"), since: 0, .failure(Self.unimplemented), at: terminal.clock))
        #expect(terminal.screen.contains("--venue"))
        #expect(terminal.wait(.seconds(3)).isEmpty, "no pointless polling")
    }

    @Test func layoutsFromAVenueFileFollowTheFileAndTheEventOnNow() throws {
        let json = """
            {"halls": [{"id": "main", "name": "Main Hall"}],
             "events": [
               {"id": "old", "hall": "main", "name": "Old", "starts": "now-5h", "ends": "now-3h",
                "sections": [{"id": "a", "name": "Alpha", "rows": ["A"], "seats_per_row": 1}]},
               {"id": "on", "hall": "main", "name": "On", "starts": "now-1h", "ends": "now+1h",
                "sections": [{"id": "z", "name": "Zed", "rows": ["B", "A"], "seats_per_row": 2},
                             {"id": "a", "name": "Alpha", "rows": ["A"], "seats_per_row": 1}]}]}
            """
        let layouts = HallLayout.layouts(of: try VenueFile.decode(Data(json.utf8), now: Fixtures.now))
        let layout = try #require(HallLayout.pick(layouts, hallID: "main", eventID: nil, at: Fixtures.now))
        #expect(layout.eventID == "on")
        let map = SeatMap(hallID: "main", hallName: "", eventID: "on", eventName: "", seats: layout.seats, statusesKnown: false)
        #expect(map.sections.map(\.name) == ["Zed", "Alpha"])
        #expect(map.sections[0].rows.map(\.label) == ["B", "A"])
    }

    /// The fallback layout follows the same current-event rule as the server: the
    /// open admission window, so a show whose doors are open before its start is it.
    @Test func layoutsPickTheOpenWindowNotTheStartTime() throws {
        let json = """
            {"halls": [{"id": "main", "name": "Main Hall"}],
             "events": [
               {"id": "over", "hall": "main", "name": "Over", "starts": "now-5h", "ends": "now-3h",
                "sections": [{"id": "a", "name": "A", "rows": ["A"], "seats_per_row": 1}]},
               {"id": "doors", "hall": "main", "name": "Doors open", "doors": "now-10m", "starts": "now+50m", "ends": "now+3h",
                "sections": [{"id": "a", "name": "A", "rows": ["A"], "seats_per_row": 1}]},
               {"id": "later", "hall": "main", "name": "Later", "starts": "now+1d", "ends": "now+26h",
                "sections": [{"id": "a", "name": "A", "rows": ["A"], "seats_per_row": 1}]}]}
            """
        let layouts = HallLayout.layouts(of: try VenueFile.decode(Data(json.utf8), now: Fixtures.now))
        #expect(HallLayout.pick(layouts, hallID: "main", eventID: nil, at: Fixtures.now)?.eventID == "doors")
        // Picked when the map opens, not when the terminal started: tomorrow it is tomorrow's show.
        #expect(HallLayout.pick(layouts, hallID: "main", eventID: nil, at: Fixtures.now.addingTimeInterval(86_400))?.eventID == "later")
        // A door pinned to one show draws that show's seats, whichever is on.
        #expect(HallLayout.pick(layouts, hallID: "main", eventID: "over", at: Fixtures.now)?.eventID == "over")
        #expect(HallLayout.pick(layouts, hallID: "main", eventID: "nope", at: Fixtures.now) == nil)
        #expect(HallLayout.pick(layouts, hallID: "studio", eventID: nil, at: Fixtures.now) == nil)
    }

    // MARK: moving around

    @Test func theCursorSkipsTitlesAndStaysOnScreenInAHugeHall() throws {
        var terminal = Terminal(view: .seatMap, width: 80, height: 24)
        terminal.wait()
        // 20,000 seats: 40 sections of 20 rows of 25.
        let seats = SupervisorFixtures.hallSeats(sections: (1...40).map { ("S\($0)", 20, 25) })
        #expect(seats.count == 20_000)
        terminal.answerMap(SupervisorFixtures.change(seats, cursor: 1, complete: true), since: 0)
        let map = try #require(terminal.state.seatMap.map)
        #expect(terminal.state.seatMap.cursorPlace?.seatID == "gala.s1.A.1")
        for _ in 0..<25 { terminal.press(.down) }
        // 20 rows in S1, then the title of S2 is skipped: row 6 of S2.
        #expect(terminal.state.seatMap.cursorPlace?.seatID == "gala.s2.F.1")
        for _ in 0..<30 { terminal.press(.right) }
        #expect(terminal.state.seatMap.cursorPlace?.number == 25, "clamped at the row's end")
        terminal.press(.pageDown)
        terminal.press(.pageDown)
        let state = terminal.state.seatMap
        let geometry = (top: state.top, rows: 24 - 5)
        #expect(state.line >= geometry.top && state.line < geometry.top + geometry.rows, "the cursor is on screen")
        let place = try #require(state.cursorPlace)
        let rowLabel = map.sections[place.section].rows[place.row].label
        #expect(terminal.screen.contains(" > \(map.sections[place.section].name) · row \(rowLabel) · seat \(place.number)"))
        // The cursor cell is drawn reversed.
        let screen = terminal.state.render()
        let reversed = screen.cells.enumerated().filter { $0.element.style.reverse && $0.offset / 80 >= 3 && $0.offset / 80 < 22 }
        #expect(reversed.count == 1)
    }

    @Test func wideRowsScrollSideways() {
        var terminal = Terminal(view: .seatMap, width: 60, height: 20)
        terminal.wait()
        terminal.answerMap(
            SupervisorFixtures.change(SupervisorFixtures.hallSeats(sections: [("Arena", 3, 400)]), cursor: 1, complete: true),
            since: 0)
        terminal.press(.end)
        #expect(terminal.state.seatMap.cursorPlace?.number == 400)
        #expect(terminal.state.seatMap.left > 300)
        #expect(terminal.screen.contains("‹"))
        terminal.press(.home)
        #expect(terminal.state.seatMap.left == 0)
        #expect(terminal.screen.contains("›"))
    }

    @Test func theOverviewShowsABlockPerSectionAndZoomsBackIn() {
        var terminal = Terminal.mapLoaded()
        terminal.type("z")
        #expect(terminal.state.seatMap.zoomedOut)
        terminal.press(.right)
        #expect(terminal.screen.contains("[Balcony]"))
        terminal.press(.enter)
        #expect(!terminal.state.seatMap.zoomedOut)
        #expect(terminal.state.seatMap.cursorPlace?.seatID == "gala.balcony.A.1")
    }

    @Test func enterOpensTheSeatsDetail() {
        var terminal = Terminal.mapLoaded()
        terminal.press(.down)
        terminal.press(.right)
        let effects = terminal.press(.enter)
        #expect(effects == [.readSeatDetail(seatID: "gala.stalls.B.2")])
        let checkIn = CheckIn(at: Fixtures.now, terminalID: "door-3", staffID: "bob")
        let seat = Seat(
            seatID: "gala.stalls.B.2", eventID: "gala", hallID: "main", section: "Stalls", row: "B", number: 2,
            state: .checkedIn(owner: "guest-77", orderID: "o", checkIn: checkIn), updatedAt: Fixtures.now, revision: 12,
            ticketSerial: 1)
        _ = terminal.send(.seatDetail(seatID: "gala.stalls.B.2", .success(seat)))
        #expect(terminal.screen.contains("Owner       guest-77"))
        #expect(terminal.screen.contains("Checked in  11:06:40 at terminal door-3"))
        #expect(terminal.state.seatMap.map?.place("gala.stalls.B.2")?.status == .checkedIn, "the detail refreshes the map too")
        terminal.press(.escape)
        #expect(terminal.state.seatMap.detail == nil)
    }

    @Test func occupancyEnterOpensThatHallsMap() {
        var terminal = Terminal(view: .occupancy)
        terminal.wait()
        _ = terminal.send(.occupancy(.success(SupervisorFixtures.report), at: terminal.clock))
        terminal.press(.down)
        let effects = terminal.press(.enter)
        #expect(terminal.state.view == .seatMap)
        #expect(effects == [.loadHallSeats(target: .init(hallID: "studio", eventID: "jazz"), since: 0)])
    }

    @Test func resizingKeepsTheCursorOnScreen() {
        var terminal = Terminal.mapLoaded(width: 120, height: 40)
        for _ in 0..<15 { terminal.press(.down) }
        _ = terminal.send(.door(.resized(width: 60, height: 12)))
        let state = terminal.state.seatMap
        #expect(state.line >= state.top && state.line < state.top + 12 - 5)
        #expect(terminal.state.render().width == 60)
    }
}
