import Foundation
import ScanModel
import Testing
import UsherCore

/// `/` at the door: finding a guest without a code (SearchSeats).
@Suite("Door search")
struct DoorSearchTests {
    let start = Fixtures.start

    /// The door with the search box open and `query` typed into it.
    func searching(_ query: String, ascii: Bool = false, color: Bool = true) -> (DoorState, [DoorEffect]) {
        var door = Fixtures.door(showing: Fixtures.report(.valid), ascii: ascii, color: color)
        _ = Fixtures.type("/", on: &door, at: 10)
        for c in query { _ = door.update(.key(.character(c), at: start + .seconds(11))) }
        let effects = door.update(.key(.enter, at: start + .seconds(12)))
        return (door, effects)
    }

    static let found = SeatSearchResult(
        seats: [
            Fixtures.seat(.sold(owner: "guest-a12", orderID: "")),
            Seat(
                seatID: "main-tonight.stalls.B.3", eventID: "main-tonight", hallID: "main", section: "Stalls", row: "B",
                number: 3, state: .checkedIn(owner: "", orderID: "", checkIn: CheckIn(at: Fixtures.now, terminalID: "d", staffID: "")),
                updatedAt: Fixtures.now, revision: 4, ticketSerial: 0),
        ], tooMany: false)

    @Test func slashTypeEnterAsksTheServerAndListsWhatItFound() {
        var (door, effects) = searching("ord-77")
        #expect(Keymap.helpLines(for: .door, viewsEnabled: false).contains { $0.contains("find a guest without a code") })
        #expect(effects == [.search(query: "ord-77")])
        guard case .search(let box) = door.overlay else {
            Issue.record("no search box: \(door.overlay)")
            return
        }
        #expect(box.state == .searching("ord-77"))
        _ = door.update(.searched(query: "ord-77", .success(Self.found)))
        let screen = door.render().text
        #expect(screen.contains("Stalls · row A · seat 12  SOLD") && screen.contains("row B · seat 3  CHECKED IN"), "\(screen)")
        #expect(screen.contains("2 found"))
        #expect(!screen.contains("guest-a12"), "no owner ids at the door")
    }

    /// Staff pick a result and Enter: the seat is admitted as a scan of its own,
    /// without a code, at once (picking it was the confirmation).
    @Test func enterOnAResultAdmitsThatSeat() throws {
        var (door, _) = searching("A 12")
        door.mode = .confirm
        _ = door.update(.searched(query: "A 12", .success(Self.found)))
        _ = door.update(.key(.down, at: start + .seconds(13)))
        _ = door.update(.key(.down, at: start + .seconds(13)))
        let effects = door.update(.key(.enter, at: start + .seconds(14)))
        guard case .check(let scan, let admit)? = effects.first, effects.count == 1 else {
            Issue.record("effects \(effects)")
            return
        }
        #expect(scan.seatID == "main-tonight.stalls.B.3" && admit && scan.id != door.recent.last?.scanID)
        #expect(door.overlay == .none)
        guard case .checking(let shown) = door.banner else {
            Issue.record("banner \(door.banner)")
            return
        }
        #expect(shown.id == scan.id && door.current?.id == scan.id)

        // Typing again means a new search, not the old result.
        var (retyped, _) = searching("A 12")
        _ = retyped.update(.searched(query: "A 12", .success(Self.found)))
        _ = retyped.update(.key(.character("3"), at: start + .seconds(13)))
        #expect(retyped.update(.key(.enter, at: start + .seconds(14))) == [.search(query: "A 123")])
    }

    @Test func anAnswerForAnOlderQueryIsDropped() {
        var (door, _) = searching("alice")
        _ = door.update(.key(.character("x"), at: start + .seconds(13)))
        _ = door.update(.searched(query: "alice", .success(Self.found)))
        guard case .search(let box) = door.overlay else {
            Issue.record("closed")
            return
        }
        #expect(box.state == .typing && box.query == "alicex")
    }

    @Test func noneTooManyAndFailuresAreSaid() {
        var (none, _) = searching("nobody")
        _ = none.update(.searched(query: "nobody", .success(SeatSearchResult(seats: [], tooMany: false))))
        #expect(none.render().text.contains("No seat, order or owner matches \"nobody\""))
        var (tooLong, effects) = searching(String(repeating: "x", count: 70))
        #expect(effects == [], "not sent")
        #expect(tooLong.render().text.contains("must be at most 64 characters"))
        _ = tooLong.update(.key(.escape, at: start + .seconds(20)))
        var (many, _) = searching("group")
        _ = many.update(.searched(query: "group", .success(SeatSearchResult(seats: [], tooMany: true))))
        #expect(many.render().text.contains("More than 50 seats match \"group\": narrow it down"))
        var (failed, _) = searching("A 1")
        _ = failed.update(.searched(query: "A 1", .failure(CallFailure(.unanswered, "server unreachable"))))
        #expect(failed.render().text.contains("Could not search: server unreachable"))
    }

    @Test func offlineItSaysSoAndAScanIntoTheBoxIsAScan() {
        var offline = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("f", on: &offline, at: 5)
        _ = Fixtures.type("/", on: &offline, at: 10)
        #expect(offline.overlay == .none)
        guard case .notice(let why) = offline.banner else {
            Issue.record("banner \(offline.banner)")
            return
        }
        #expect(why.contains("offline"))

        // A whole code (about 190 characters), even after something was typed.
        var door = Fixtures.door(showing: Fixtures.report(.valid))
        _ = Fixtures.type("/", on: &door, at: 10)
        _ = door.update(.key(.character("A"), at: start + .seconds(11)))
        let code = "U1." + String(repeating: "QmFzZTY0", count: 24)
        let effects = Fixtures.scan(&door, code, at: start + .seconds(12))
        #expect(Fixtures.checks(effects) == ["admit \(code)"])
        #expect(door.overlay == .none)
        _ = Fixtures.type("/", on: &door, at: 20)
        #expect(door.update(.key(.escape, at: start + .seconds(21))) == [])
        #expect(door.overlay == .none)
    }

    @Test(arguments: [(false, true), (true, false)])
    func theResultsOnScreen(ascii: Bool, color: Bool) throws {
        var (door, _) = searching("A 12", ascii: ascii, color: color)
        _ = door.update(.searched(query: "A 12", .success(Self.found)))
        let screen = door.render()
        try Snapshot.assert(screen, named: "door-search-80x24" + (ascii ? "-ascii" : ""))
        if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
    }
}
