import Foundation
import ScanModel
import Testing
import UsherCore

/// A supervisor undoes any admission from the seat map: `u` on a checked-in seat's details.
@Suite("Supervisor annul")
struct SupervisorAnnulTests {
    static let checkIn = CheckIn(at: Fixtures.now, terminalID: "door-2", staffID: "s")

    static func seat(_ state: SeatState) -> Seat {
        Seat(
            seatID: "gala.stalls.A.1", eventID: "gala", hallID: "main", section: "Stalls", row: "A", number: 1,
            state: state, updatedAt: Fixtures.now, revision: 7, ticketSerial: 1)
    }

    /// The map with seat A.1's details open, showing `state`.
    static func details(_ state: SeatState, ascii: Bool = false, color: Bool = true) -> Terminal {
        var terminal = Terminal.mapLoaded(ascii: ascii, color: color)
        terminal.press(.enter)
        _ = terminal.send(.seatDetail(seatID: "gala.stalls.A.1", .success(seat(state))))
        return terminal
    }

    @Test func uOnACheckedInSeatAsksWhyThenUndoesItsAdmission() throws {
        var terminal = Self.details(.checkedIn(owner: "guest-1", orderID: "o", checkIn: Self.checkIn))
        #expect(terminal.screen.contains("u undoes this admission"))
        terminal.type("u")
        let draft = try #require(terminal.state.annul)
        #expect(draft.admission == .seat("gala.stalls.A.1", revision: 7) && draft.annulID == "annul.gala.stalls.A.1.7")
        // Keys go to the question whole: "1" picks a reason, not the door view.
        terminal.type("1")
        #expect(terminal.state.view == .seatMap && terminal.state.annul?.reason == AnnulPolicy.reasons[0])
        let effects = terminal.press(.enter)
        #expect(effects == [.door(.annul(.seat("gala.stalls.A.1", revision: 7), annulID: "annul.gala.stalls.A.1.7", reason: AnnulPolicy.reasons[0]))])
        #expect(terminal.state.annul == nil)

        let outcome = AnnulOutcome(
            seat: Self.seat(.sold(owner: "guest-1", orderID: "o")), admission: Self.checkIn, annulledAt: Fixtures.now,
            replayed: false, logID: 9)
        _ = terminal.send(.door(.annulled(.seat("gala.stalls.A.1", revision: 7), .success(outcome))))
        let screen = terminal.screen
        #expect(screen.contains("Status      SOLD"), "\(screen)")
        #expect(screen.contains("the ticket admits again"))
        #expect(!screen.contains("u undoes"), "nothing left to undo")
        #expect(terminal.wait(.milliseconds(100)).contains { if case .loadHallSeats = $0 { true } else { false } }, "the map catches up at once")
    }

    @Test func aRefusalIsShownAndEscKeepsTheAdmission() throws {
        var terminal = Self.details(.checkedIn(owner: "guest-1", orderID: "o", checkIn: Self.checkIn))
        terminal.type("u")
        #expect(terminal.press(.escape) == [])
        #expect(terminal.state.annul == nil && terminal.state.seatMap.detail != nil, "Esc closes the question, not the details")

        terminal.type("u")
        for c in "double scan" { terminal.type(c) }
        _ = terminal.press(.enter)
        _ = terminal.send(.door(.annulled(.seat("gala.stalls.A.1", revision: 7), .failure(CallFailure(.failed, "that admission was already annulled")))))
        #expect(terminal.screen.contains("Not undone: that admission was already annulled"))
        terminal.press(.escape)
        #expect(terminal.state.annulResult == nil, "closing the details forgets it")
    }

    @Test func onlyACheckedInSeatCanBeUndone() {
        var terminal = Self.details(.sold(owner: "guest-1", orderID: "o"))
        #expect(!terminal.screen.contains("u undoes"))
        terminal.type("u")
        #expect(terminal.state.annul == nil)
        var noDetails = Terminal.mapLoaded()
        noDetails.type("u")
        #expect(noDetails.state.annul == nil)
    }

    @Test(arguments: [(false, true), (true, false)])
    func theQuestionOnTheMap(ascii: Bool, color: Bool) throws {
        var terminal = Self.details(.checkedIn(owner: "guest-1", orderID: "o", checkIn: Self.checkIn), ascii: ascii, color: color)
        terminal.type("u")
        terminal.type("3")
        let screen = terminal.state.render()
        try Snapshot.assert(screen, named: "supervisor-map-annul-80x24" + (ascii ? "-ascii" : ""))
        if ascii { #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        if !color { #expect(screen.cells.allSatisfy { $0.style.foreground == nil && $0.style.background == nil }) }
    }
}
