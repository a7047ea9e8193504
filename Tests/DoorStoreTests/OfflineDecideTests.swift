import Foundation
import Testing
import UsherCore

@testable import DoorStore

/// Offline verdicts come from the same UsherCore rule as online ones; these check the
/// store feeds it the right facts (keys, serials, windows, halls, own admissions).
@Suite struct OfflineDecideTests {
    let fixture = DoorFixture()

    @Test func aValidTicketIsAdmittedAndQuotesItsAdmission() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        let decision = try fixture.decide(store, fixture.code(seat: "A-1"), scanID: "scan-1")
        #expect(decision.verdict.reason == .valid)
        #expect(decision.result == .success)
        #expect(decision.verdict.firstCheckIn == CheckIn(at: fixture.now, terminalID: "door-1", staffID: "staff-7"))
        #expect(decision.seatID == "A-1")
        #expect(decision.eventID == "E1")
        #expect(decision.hallID == "H1")
        #expect(decision.eventName == "Tonight")
        #expect(!decision.seatUnsynced)
        #expect(!decision.replayed)
        #expect(decision.scannedAt == fixture.now)
        #expect(decision.clockSkew == 2)
        let report = decision.report(hallName: "Main Hall")
        #expect(report.offline == OfflineMark(seatUnsynced: false))
        #expect(report.result == .success)
        #expect(report.checkedInAt == fixture.now)
        #expect(report.scanID == "scan-1")
        #expect(report.eventName == "Tonight")
        // Where the seat is, so staff can send the guest to it; never an owner.
        let seat = try #require(report.seat)
        #expect((seat.seatID, seat.hallID, seat.section, seat.row, seat.number) == ("A-1", "H1", "Stalls", "A", 1))
        #expect(seat.state.ownerUserID == "")
        let replayed = try fixture.decide(store, fixture.code(seat: "A-1"), scanID: "scan-1")
        #expect(replayed.replayed && replayed.report().seat?.section == "Stalls")
    }

    /// Windows are judged by the server's clock: a terminal two minutes fast, a
    /// minute before doors open by the server, still says not yet; the journal keeps
    /// the terminal's own time and the skew for the server to correct.
    @Test func aFastClockDoesNotOpenTheDoorsEarly() throws {
        let temp = TempDirectory()
        let store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        let doors = fixture.tonight.doorsAt
        _ = try store.apply(fixture.sync([fixture.seat("A-2")], cursor: 10, complete: true), syncedAt: doors, clockSkew: 120)
        let early = try fixture.decide(store, fixture.code(seat: "A-2"), at: doors.addingTimeInterval(60))
        #expect(early.verdict.reason == .notYetValid)
        #expect(early.scannedAt == doors.addingTimeInterval(60) && early.clockSkew == 120)
        let onTime = try fixture.decide(store, fixture.code(seat: "A-2"), at: doors.addingTimeInterval(121))
        #expect(onTime.result == .success)
    }

    @Test func theSameTicketAgainIsDuplicateEvenAfterSyncsResendItAsSold() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1", revision: 4)])
        let code = fixture.code(seat: "A-1")
        let first = try fixture.decide(store, code)
        #expect(first.result == .success)
        let admitted = CheckIn(at: fixture.now, terminalID: "door-1", staffID: "staff-7")

        let again = try fixture.decide(store, code, at: fixture.now.addingTimeInterval(60))
        #expect(again.verdict.reason == .alreadyCheckedIn)
        #expect(again.verdict.firstCheckIn == admitted)

        // The server has not seen the upload yet: it re-sends the seat as SOLD.
        for revision: Int64 in [4, 5] {
            let summary = try store.apply(
                fixture.sync([fixture.seat("A-1", revision: revision)], cursor: 10 + revision, complete: false),
                syncedAt: fixture.now, clockSkew: 2)
            #expect(summary.changed == 1)
            let later = try fixture.decide(store, code, at: fixture.now.addingTimeInterval(120))
            #expect(later.verdict.reason == .alreadyCheckedIn, "after a sync at revision \(revision)")
            #expect(later.verdict.firstCheckIn == admitted)
        }

        // A complete sync too.
        _ = try store.apply(
            fixture.sync([fixture.seat("A-1", revision: 6)], cursor: 20, complete: true), syncedAt: fixture.now,
            clockSkew: 2)
        #expect(try fixture.decide(store, code).verdict.reason == .alreadyCheckedIn)

        // Once the server's view says CHECKED_IN, its first admission is the one quoted.
        let elsewhere = CheckIn(at: fixture.now.addingTimeInterval(-30), terminalID: "door-5", staffID: "s")
        _ = try store.apply(
            fixture.sync(
                [fixture.seat("A-1", status: .checkedIn, revision: 7, checkIn: elsewhere)], cursor: 21,
                complete: false),
            syncedAt: fixture.now, clockSkew: 2)
        let quoted = try fixture.decide(store, code)
        #expect(quoted.verdict.reason == .alreadyCheckedIn)
        #expect(quoted.verdict.firstCheckIn == elsewhere)
    }

    /// The server saw the guest step out (an exit scan elsewhere): back in here is a
    /// re-entry; a second copy of the ticket after that is DUPLICATE.
    @Test func aGuestWhoSteppedOutReentersOnce() throws {
        let temp = TempDirectory()
        var out = fixture.seat("A-7", status: .checkedIn, checkIn: CheckIn(at: fixture.now.addingTimeInterval(-1800), terminalID: "door-2", staffID: "s"))
        out.outsideSince = fixture.now.addingTimeInterval(-600)
        let store = try fixture.syncedStore(temp, seats: [out])
        let back = try fixture.decide(store, fixture.code(seat: "A-7"), scanID: "back-1")
        #expect(back.result == .success && back.verdict.reason == .reentry, "\(back.verdict.message)")
        let again = try fixture.decide(store, fixture.code(seat: "A-7"), scanID: "back-2")
        #expect(again.verdict.reason == .alreadyCheckedIn)
    }

    @Test func aCodeSignedByAnUnknownKeyIsNotFound() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        let forged = fixture.code(seat: "A-1", signer: TicketSigningKey.generate())
        let decision = try fixture.decide(store, forged)
        #expect(decision.result == .notFound)
        #expect(decision.verdict.reason == .unknownKey)
        #expect(decision.seatID == nil)
        #expect(try store.pendingCount() == 1)  // refusals are journaled too
    }

    @Test func aRevokedSerialIsNotFound() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1", serial: 2)])
        let decision = try fixture.decide(store, fixture.code(seat: "A-1", serial: 1))
        #expect(decision.result == .notFound)
        #expect(decision.verdict.reason == .revokedByTransfer)
        // The re-issued code admits.
        #expect(try fixture.decide(store, fixture.code(seat: "A-1", serial: 2)).result == .success)
    }

    @Test func tomorrowsTicketIsNotYetValid() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("B-1", event: "E2")])
        let decision = try fixture.decide(store, fixture.code(seat: "B-1", event: fixture.tomorrow))
        #expect(decision.result == .expired)
        #expect(decision.verdict.reason == .notYetValid)
        #expect(decision.eventName == "Tomorrow")
    }

    @Test func anotherHallsTicketIsWrongHall() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        let elsewhere = EventWindow(
            eventID: "E9", hallID: "H2", name: "Elsewhere", doorsAt: fixture.tonight.doorsAt,
            startsAt: fixture.tonight.startsAt, endsAt: fixture.tonight.endsAt)
        let decision = try fixture.decide(store, fixture.code(seat: "C-1", event: elsewhere))
        #expect(decision.result == .wrongHall)
        #expect(decision.verdict.reason == .wrongHall)
        #expect(decision.hallID == "H2")
    }

    @Test func aSeatSoldAfterTheSyncIsAdmittedAsUnsyncedOnce() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        let code = fixture.code(seat: "A-99")
        let decision = try fixture.decide(store, code)
        #expect(decision.result == .success)
        #expect(decision.seatUnsynced)
        #expect(decision.seatID == "A-99")
        #expect(decision.report().offline == OfflineMark(seatUnsynced: true))
        let again = try fixture.decide(store, code)
        #expect(again.verdict.reason == .alreadyCheckedIn)
        #expect(again.seatUnsynced)
    }

    @Test func unpaidAndMalformedCodesFollowTheRules() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(
            temp,
            seats: [
                fixture.seat("A-1", status: .available), fixture.seat("A-2", status: .held, heldUntil: fixture.now + 60),
            ])
        #expect(try fixture.decide(store, fixture.code(seat: "A-1")).verdict.reason == .notSold)
        #expect(try fixture.decide(store, fixture.code(seat: "A-2")).verdict.reason == .holdNotPaid)
        let junk = try fixture.decide(store, "hello")
        #expect(junk.verdict.reason == .malformed)
        #expect(junk.seatID == nil)
    }

    @Test func aScanIDDecidedTwiceGivesTheSameDecisionAndOneRow() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        let code = fixture.code(seat: "A-1")
        let first = try fixture.decide(store, code, scanID: "scan-1")
        // Retried a minute later, and with a scanner's trailing newline.
        let retry = try fixture.decide(store, code + "\n", scanID: "scan-1", at: fixture.now.addingTimeInterval(60))
        #expect(retry.replayed)
        var unreplayed = retry
        unreplayed.replayed = false
        #expect(unreplayed == first)
        #expect(retry.result == .success)  // never DUPLICATE against itself
        #expect(try store.pendingCount() == 1)
        #expect(try store.pendingUploads(limit: 10).map(\.scanID) == ["scan-1"])
    }

    @Test func aScanIDReusedForAnotherCodeIsRefused() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1"), fixture.seat("A-2")])
        _ = try fixture.decide(store, fixture.code(seat: "A-1"), scanID: "scan-1")
        let error = #expect(throws: DoorStoreError.self) {
            try fixture.decide(store, fixture.code(seat: "A-2"), scanID: "scan-1")
        }
        #expect(error == .scanIDReused(scanID: "scan-1"))
        #expect(try store.pendingCount() == 1)
    }

    @Test func beforeAnySyncNothingVerifies() throws {
        let temp = TempDirectory()
        let store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        let decision = try fixture.decide(store, fixture.code(seat: "A-1"))
        #expect(decision.verdict.reason == .unknownKey)
        #expect(decision.clockSkew == 0)
    }
}
