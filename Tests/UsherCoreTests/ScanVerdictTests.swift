import Foundation
import Testing
import UsherCore

@Suite("Scan verdicts")
struct ScanVerdictTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let checkIn = CheckIn(at: Date(timeIntervalSince1970: 1_799_999_000), terminalID: "door-3", staffID: "s9")

    func subject(
        _ state: SeatState, hall: String = "main", event: String = "gala", doorsIn: TimeInterval = -1800,
        endsIn: TimeInterval = 3600, serial: Int64 = 1
    ) -> ScanSubject {
        ScanSubject(
            seatID: "seat-1",
            event: EventWindow(
                eventID: event, hallID: hall, name: "The Gala", doorsAt: now.addingTimeInterval(doorsIn),
                startsAt: now.addingTimeInterval(doorsIn + 1800), endsAt: now.addingTimeInterval(endsIn)),
            state: state, ticketSerial: serial)
    }

    func decide(
        _ lookup: TicketLookup, door: String = "main", pinnedTo event: String? = nil, action: ScanAction = .admit
    ) -> ScanVerdict {
        ScanVerdict.decide(
            lookup, at: DoorPost(hallID: door, eventID: event, timeZone: TimeZone(identifier: "UTC")!), now: now,
            action: action)
    }

    @Test func everyVerdict() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.unreadable(.malformed)).result == .notFound)
        #expect(decide(.unreadable(.badSignature)).reason == .badSignature)
        #expect(decide(.unknownSeat).reason == .unknownSeat)
        #expect(decide(.found(subject(sold, hall: "studio"), codeSerial: nil)).result == .wrongHall)
        #expect(decide(.found(subject(sold, endsIn: -1), codeSerial: nil)).result == .expired)
        #expect(decide(.found(subject(.available), codeSerial: nil)).reason == .notSold)
        #expect(decide(.found(subject(.held(by: "x", until: now.addingTimeInterval(60))), codeSerial: nil)).reason == .holdNotPaid)
        #expect(decide(.found(subject(.held(by: "x", until: now.addingTimeInterval(-60))), codeSerial: nil)).reason == .notSold)
        let duplicate = decide(.found(subject(.checkedIn(owner: "bob", orderID: "o", checkIn: checkIn)), codeSerial: nil))
        #expect(duplicate.result == .duplicate)
        #expect(duplicate.firstCheckIn == checkIn)
        #expect(duplicate.message.contains("door-3"))
        #expect(duplicate.message.contains(Timestamps.utc(checkIn.at)))
        #expect(decide(.found(subject(sold), codeSerial: nil)).result == .success)
    }

    @Test func revokedSerialIsNotFound() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        let verdict = decide(.found(subject(sold, serial: 2), codeSerial: 1))
        #expect(verdict.result == .notFound)
        #expect(verdict.reason == .revokedByTransfer)
        #expect(decide(.found(subject(sold, serial: 2), codeSerial: 2)).result == .success)
    }

    /// The order is NOT_FOUND → WRONG_HALL → EXPIRED → UNPAID → DUPLICATE → SUCCESS:
    /// a ticket that fails several checks gets the earliest one.
    @Test func orderPrefersEarlierChecks() {
        let used = SeatState.checkedIn(owner: "bob", orderID: "o", checkIn: checkIn)
        // wrong hall beats expired, unpaid and duplicate
        #expect(decide(.found(subject(used, hall: "studio", endsIn: -1), codeSerial: nil)).result == .wrongHall)
        #expect(decide(.found(subject(.available, hall: "studio", endsIn: -1), codeSerial: nil)).result == .wrongHall)
        // expired beats unpaid and duplicate
        #expect(decide(.found(subject(used, endsIn: -1), codeSerial: nil)).result == .expired)
        #expect(decide(.found(subject(.available, endsIn: -1), codeSerial: nil)).result == .expired)
        // revoked (not found) beats wrong hall
        #expect(decide(.found(subject(used, hall: "studio", serial: 5), codeSerial: 4)).result == .notFound)
    }

    @Test func eventEndingExactlyNowIsExpired() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold, endsIn: 0), codeSerial: nil)).result == .expired)
    }

    @Test func everyReasonBelongsToOneResult() {
        for result in ScanResult.allCases {
            #expect(ScanReason.allCases.contains { $0.result == result }, "no reason maps to \(result)")
        }
    }

    @Test func messagesDifferForVerifyAndAdmit() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold), codeSerial: nil), action: .admit).message.hasPrefix("Admitted"))
        #expect(decide(.found(subject(sold), codeSerial: nil), action: .verify).message.hasPrefix("Valid"))
    }

    // MARK: admission windows

    /// Every edge of the window [doors, ends): 1 s before doors, at doors, 1 s before
    /// the end, at the end.
    @Test(arguments: [
        (doorsIn: 1.0, endsIn: 3600.0, reason: ScanReason.notYetValid),
        (doorsIn: 0.0, endsIn: 3600.0, reason: ScanReason.valid),
        (doorsIn: -3600.0, endsIn: 1.0, reason: ScanReason.valid),
        (doorsIn: -3600.0, endsIn: 0.0, reason: ScanReason.eventEnded),
    ])
    func windowEdges(doorsIn: TimeInterval, endsIn: TimeInterval, reason: ScanReason) {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold, doorsIn: doorsIn, endsIn: endsIn), codeSerial: nil)).reason == reason)
    }

    @Test func beforeDoorsSaysWhenTheyOpen() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        // now is 2027-01-15 08:00 UTC; doors two hours later
        let verdict = decide(.found(subject(sold, doorsIn: 7200, endsIn: 20000), codeSerial: nil))
        #expect(verdict.result == .expired)
        #expect(verdict.message == "Not yet: doors open 10:00 (The Gala, Fri 15 Jan)")
        // A used ticket too early is still "not yet", not DUPLICATE: the window comes first.
        let used = SeatState.checkedIn(owner: "bob", orderID: "o", checkIn: checkIn)
        #expect(decide(.found(subject(used, doorsIn: 60), codeSerial: nil)).reason == .notYetValid)
    }

    @Test func pinnedDoorAdmitsItsEventOnly() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold, event: "gala"), codeSerial: nil), pinnedTo: "gala").reason == .valid)
        let other = decide(.found(subject(sold, event: "matinee"), codeSerial: nil), pinnedTo: "gala")
        #expect(other.result == .wrongHall)
        #expect(other.reason == .wrongEvent)
        #expect(other.message.contains("The Gala"), "names the ticket's event: \(other.message)")
        // Another hall is still WRONG_HALL for the hall, whatever the pin.
        #expect(decide(.found(subject(sold, hall: "studio"), codeSerial: nil), pinnedTo: "gala").reason == .wrongHall)
        // The wrong show beats the window: a matinee ticket at the pinned evening door
        // says "wrong show", not "not yet".
        #expect(decide(.found(subject(sold, event: "matinee", doorsIn: 600), codeSerial: nil), pinnedTo: "gala").reason == .wrongEvent)
    }

    @Test func unpinnedDoorAdmitsAnyOpenWindowOfItsHall() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold, event: "matinee"), codeSerial: nil)).reason == .valid)
        #expect(decide(.found(subject(sold, event: "tomorrow", doorsIn: 86400, endsIn: 90000), codeSerial: nil)).reason == .notYetValid)
        #expect(decide(.found(subject(sold, event: "earlier", doorsIn: -9000, endsIn: -60), codeSerial: nil)).reason == .eventEnded)
    }
}

@Suite("The hall's current event")
struct CurrentEventTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func event(_ id: String, doors: TimeInterval, ends: TimeInterval) -> EventWindow {
        EventWindow(
            eventID: id, hallID: "main", name: id, doorsAt: now.addingTimeInterval(doors),
            startsAt: now.addingTimeInterval(doors + 1800), endsAt: now.addingTimeInterval(ends))
    }

    @Test func theOpenWindowIsCurrent() {
        let matinee = event("matinee", doors: -20000, ends: -3600)
        let evening = event("evening", doors: -600, ends: 10000)
        let tomorrow = event("tomorrow", doors: 80000, ends: 90000)
        #expect(CurrentEvent.of([tomorrow, evening, matinee], at: now) == .open(evening))
        // At its doors it opens; at its end it closes.
        #expect(CurrentEvent.of([evening], at: evening.doorsAt) == .open(evening))
        #expect(CurrentEvent.of([evening], at: evening.doorsAt.addingTimeInterval(-1)) == .upcoming(evening))
        #expect(CurrentEvent.of([evening], at: evening.endsAt) == .ended(evening))
    }

    @Test func betweenShowsTheNextToOpenElseTheLastToEnd() {
        let matinee = event("matinee", doors: -20000, ends: -3600)
        let late = event("late", doors: 3600, ends: 9000)
        let later = event("later", doors: 7200, ends: 12000)
        #expect(CurrentEvent.of([later, matinee, late], at: now) == .upcoming(late))
        let earlier = event("earlier", doors: -40000, ends: -30000)
        #expect(CurrentEvent.of([earlier, matinee], at: now) == .ended(matinee))
        #expect(CurrentEvent.of([], at: now) == .none)
    }

    @Test func overlappingWindowsAreReportedNotGuessed() {
        let first = event("first", doors: -3600, ends: 600)
        let second = event("second", doors: -60, ends: 7200)
        let current = CurrentEvent.of([second, first], at: now)
        #expect(current == .overlapping([first, second]))
        // A seat map needs one: the show whose doors opened last.
        #expect(current.event == second)
    }

    @Test func venueImportFindsOverlaps() throws {
        let json = """
            {"halls": [{"id": "main", "name": "Main"}, {"id": "studio", "name": "Studio"}],
             "events": [
               {"id": "a", "hall": "main", "name": "A", "starts": "now", "ends": "now+2h", "sections": []},
               {"id": "b", "hall": "main", "name": "B", "doors": "now+90m", "starts": "now+3h", "ends": "now+5h", "sections": []},
               {"id": "c", "hall": "main", "name": "C", "doors": "2030-01-02T18:30:00Z", "starts": "2030-01-02T19:00:00Z",
                "ends": "2030-01-02T22:00:00Z", "sections": []},
               {"id": "d", "hall": "studio", "name": "D", "starts": "now", "ends": "now+2h", "sections": []}]}
            """
        let venue = try VenueFile.decode(Data(json.utf8), now: now)
        #expect(venue.events.first { $0.id == "a" }?.doorsAt == now.addingTimeInterval(-3600), "default: an hour before")
        #expect(venue.events.first { $0.id == "b" }?.doorsAt == now.addingTimeInterval(5400))
        #expect(venue.events.first { $0.id == "c" }?.doorsAt == ISO8601DateFormatter().date(from: "2030-01-02T18:30:00Z"), "RFC 3339")
        let pairs = venue.overlappingWindows.map { "\($0.0.eventID)+\($0.1.eventID)" }
        #expect(pairs == ["a+b"], "b's doors open before a ends; c and d do not overlap a main-hall window")
    }

    @Test func doorsMustOpenBeforeTheEnd() {
        let json = """
            {"halls": [{"id": "main", "name": "Main"}],
             "events": [{"id": "a", "hall": "main", "name": "A", "doors": "now+3h", "starts": "now", "ends": "now+2h", "sections": []}]}
            """
        #expect(throws: InputError.self) { try VenueFile.decode(Data(json.utf8), now: now) }
    }
}
