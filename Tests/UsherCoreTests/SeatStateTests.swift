import Foundation
import Testing
import UsherCore

@Suite("Seat state machine")
struct SeatStateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var later: Date { now.addingTimeInterval(300) }
    var past: Date { now.addingTimeInterval(-1) }

    @Test func reserveAvailableSeatPlacesHold() throws {
        var state = SeatState.available
        let effect = try state.reserve(by: "alice", until: later, now: now)
        #expect(effect == .holdPlaced(until: later))
        #expect(state == .held(by: "alice", until: later))
    }

    @Test func expiredHoldCountsAsAvailable() throws {
        var state = SeatState.held(by: "bob", until: past)
        #expect(state.isAvailable(at: now))
        let effect = try state.reserve(by: "alice", until: later, now: now)
        #expect(effect == .holdPlaced(until: later))
        #expect(state == .held(by: "alice", until: later))
    }

    @Test func holderReservingAgainRenews() throws {
        var state = SeatState.held(by: "alice", until: now.addingTimeInterval(10))
        #expect(try state.reserve(by: "alice", until: later, now: now) == .holdRenewed(until: later))
        #expect(state == .held(by: "alice", until: later))
    }

    @Test func liveHoldBlocksOthers() {
        var state = SeatState.held(by: "bob", until: later)
        #expect(throws: SeatRuleViolation.heldByAnotherUser(until: later)) {
            try state.reserve(by: "alice", until: later, now: now)
        }
        #expect(state == .held(by: "bob", until: later))
    }

    @Test(arguments: [
        SeatState.sold(owner: "bob", orderID: "o1"),
        .checkedIn(owner: "bob", orderID: "o1", checkIn: CheckIn(at: Date(timeIntervalSince1970: 0), terminalID: "t", staffID: "s")),
    ])
    func soldSeatsCannotBeReserved(_ start: SeatState) {
        var state = start
        #expect(throws: SeatRuleViolation.alreadySold) { try state.reserve(by: "alice", until: later, now: now) }
        #expect(state == start)
    }

    @Test func onlyTheHolderReleases() throws {
        var state = SeatState.held(by: "bob", until: later)
        #expect(throws: SeatRuleViolation.heldByAnotherUser(until: later)) { try state.release(by: "alice", now: now) }
        #expect(try state.release(by: "bob", now: now) == .holdReleased)
        #expect(state == .available)
        #expect(throws: SeatRuleViolation.notHeld) { try state.release(by: "bob", now: now) }
    }

    @Test func holderMayReleaseLapsedHoldOthersMayNot() throws {
        var state = SeatState.held(by: "bob", until: past)
        #expect(throws: SeatRuleViolation.notHeld) { try state.release(by: "alice", now: now) }
        #expect(try state.release(by: "bob", now: now) == .holdReleased)
    }

    @Test func releaseOfSoldSeatIsRefused() {
        var state = SeatState.sold(owner: "bob", orderID: "o1")
        #expect(throws: SeatRuleViolation.alreadySold) { try state.release(by: "bob", now: now) }
    }

    @Test func confirmMakesHolderOwner() throws {
        var state = SeatState.held(by: "bob", until: later)
        #expect(try state.confirm(by: "bob", orderID: "o1", now: now) == .sold)
        #expect(state == .sold(owner: "bob", orderID: "o1"))
        #expect(state.ownerUserID == "bob")
    }

    @Test func confirmingSameOrderAgainIsHarmless() throws {
        var state = SeatState.sold(owner: "bob", orderID: "o1")
        #expect(try state.confirm(by: "bob", orderID: "o1", now: now) == .alreadySold)
        #expect(!SeatState.Effect.alreadySold.changesSeat)
        #expect(throws: SeatRuleViolation.alreadySold) { try state.confirm(by: "bob", orderID: "o2", now: now) }
        #expect(throws: SeatRuleViolation.alreadySold) { try state.confirm(by: "eve", orderID: "o1", now: now) }
    }

    @Test func confirmRefusals() {
        var expired = SeatState.held(by: "bob", until: past)
        #expect(throws: SeatRuleViolation.holdExpired) { try expired.confirm(by: "bob", orderID: "o", now: now) }
        #expect(throws: SeatRuleViolation.notHeld) { try expired.confirm(by: "eve", orderID: "o", now: now) }
        var other = SeatState.held(by: "bob", until: later)
        #expect(throws: SeatRuleViolation.heldByAnotherUser(until: later)) {
            try other.confirm(by: "eve", orderID: "o", now: now)
        }
        var available = SeatState.available
        #expect(throws: SeatRuleViolation.notHeld) { try available.confirm(by: "bob", orderID: "o", now: now) }
    }

    @Test func transferChangesOwnerOnlyFromOwner() throws {
        var state = SeatState.sold(owner: "bob", orderID: "o1")
        #expect(throws: SeatRuleViolation.notOwner) { try state.transfer(from: "eve", to: "carol") }
        #expect(throws: SeatRuleViolation.sameOwner) { try state.transfer(from: "bob", to: "bob") }
        #expect(try state.transfer(from: "bob", to: "carol", transferID: "t1") == .ownerChanged(previousOwner: "bob"))
        #expect(state == .sold(owner: "carol", orderID: "o1"))
        // A retried transfer, recognised by its id, is reported done and changes nothing.
        #expect(try state.transfer(from: "bob", to: "carol", transferID: "t1", lastTransferID: "t1") == .alreadyTransferred)
        #expect(state == .sold(owner: "carol", orderID: "o1"))
        #expect(!SeatState.Effect.alreadyTransferred.changesSeat)
        // "carol already owns it" alone is not a retry: without the id, or with another
        // one, or from someone else entirely, it is refused (no code for the asker).
        #expect(throws: SeatRuleViolation.notOwner) { try state.transfer(from: "bob", to: "carol", lastTransferID: "t1") }
        #expect(throws: SeatRuleViolation.notOwner) {
            try state.transfer(from: "bob", to: "carol", transferID: "t2", lastTransferID: "t1")
        }
        #expect(throws: SeatRuleViolation.notOwner) {
            try state.transfer(from: "mallory", to: "carol", transferID: "t9", lastTransferID: nil)
        }
    }

    @Test func transferRefusals() {
        var held = SeatState.held(by: "bob", until: later)
        #expect(throws: SeatRuleViolation.notSold) { try held.transfer(from: "bob", to: "carol") }
        var used = SeatState.checkedIn(
            owner: "bob", orderID: "o", checkIn: CheckIn(at: now, terminalID: "door-1", staffID: "s1"))
        #expect(throws: SeatRuleViolation.alreadyCheckedIn) { try used.transfer(from: "bob", to: "carol") }
    }

    @Test func checkInOnlyFromSold() throws {
        let checkIn = CheckIn(at: now, terminalID: "door-1", staffID: "s1")
        var state = SeatState.sold(owner: "bob", orderID: "o1")
        #expect(try state.checkIn(checkIn) == .checkedIn(checkIn))
        #expect(state.status == .checkedIn)
        #expect(throws: SeatRuleViolation.alreadyCheckedIn) { try state.checkIn(checkIn) }
        var available = SeatState.available
        #expect(throws: SeatRuleViolation.notSold) { try available.checkIn(checkIn) }
    }

    /// An annul undoes exactly the admission it names: back to SOLD with the same
    /// owner and order; never another admission, never a seat not inside.
    @Test func annulOnlyTheAdmissionTheSeatIsCheckedInBy() throws {
        let admission = CheckIn(at: now, terminalID: "door-1", staffID: "s1")
        var state = SeatState.checkedIn(owner: "bob", orderID: "o1", checkIn: admission)
        let later = CheckIn(at: now.addingTimeInterval(60), terminalID: "door-1", staffID: "s1")
        #expect(throws: SeatRuleViolation.notThisAdmission(current: admission)) { try state.annul(later) }
        var elsewhere = admission
        elsewhere.terminalID = "door-2"
        #expect(throws: SeatRuleViolation.notThisAdmission(current: admission)) { try state.annul(elsewhere) }
        #expect(try state.annul(admission) == .checkInAnnulled(admission))
        #expect(state == .sold(owner: "bob", orderID: "o1"))
        #expect(throws: SeatRuleViolation.notCheckedIn) { try state.annul(admission) }
        // The ticket admits again.
        #expect(try state.checkIn(later) == .checkedIn(later))
    }

    /// A door annuls its own admissions within 2 minutes; anything else is a supervisor's.
    @Test func aDoorAnnulsOnlyItsOwnRecentAdmissions() {
        let admission = CheckIn(at: now, terminalID: "door-1", staffID: "s1")
        #expect(AnnulPolicy.doorRefusal(admission, terminalID: "door-1", now: now.addingTimeInterval(120)) == nil)
        #expect(
            AnnulPolicy.doorRefusal(admission, terminalID: "door-1", now: now.addingTimeInterval(121)) == .tooOld(admission))
        #expect(AnnulPolicy.doorRefusal(admission, terminalID: "door-2", now: now) == .anotherDoor(admission))
        #expect(AnnulPolicy.DoorRefusal.anotherDoor(admission).description.contains("door-1"))
    }
}
