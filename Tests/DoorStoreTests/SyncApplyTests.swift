import Foundation
import Testing
import UsherCore

@testable import DoorStore

@Suite struct SyncApplyTests {
    let fixture = DoorFixture()

    /// 20,000 seats: mostly SOLD, every 10th CHECKED_IN, every 25th HELD, every 40th AVAILABLE.
    func hall() -> [DoorSeat] {
        (1...20_000).map { n in
            let id = "S-\(n)"
            if n % 40 == 0 { return fixture.seat(id, status: .available, serial: 0) }
            if n % 25 == 0 {
                return fixture.seat(id, status: .held, heldUntil: fixture.now.addingTimeInterval(600))
            }
            if n % 10 == 0 {
                let first = CheckIn(at: fixture.now.addingTimeInterval(-60), terminalID: "door-9", staffID: "s-\(n)")
                return fixture.seat(id, status: .checkedIn, serial: Int64(n), revision: 3, checkIn: first)
            }
            return fixture.seat(id, event: n % 2 == 0 ? "E1" : "E2", serial: Int64(n), revision: 2)
        }
    }

    @Test func aFullHallThenADelta() throws {
        let temp = TempDirectory()
        let store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        #expect(try store.syncState() == DoorSyncState(
            hallID: nil, hallName: nil, cursor: 0, syncedAt: nil, serverTime: nil, clockSkew: 0, seatCount: 0))

        let seats = hall()
        let clock = ContinuousClock()
        var summary: SyncSummary?
        let full = try clock.measure {
            summary = try store.apply(
                fixture.sync(seats, cursor: 500, complete: true), syncedAt: fixture.now, clockSkew: 1.5)
        }
        #expect(summary == SyncSummary(cursor: 500, isComplete: true, seatCount: 20_000, changed: 20_000))
        let state = try store.syncState()
        #expect(state.cursor == 500)
        #expect(state.hallID == "H1")
        #expect(state.hallName == "Main Hall")
        #expect(state.seatCount == 20_000)
        #expect(state.clockSkew == 1.5)
        #expect(state.syncedAt == fixture.now)
        #expect(state.serverTime == fixture.now.addingTimeInterval(-2))
        for n in [1, 2, 10, 25, 40, 9_999, 20_000] {
            #expect(try store.storedSeat("S-\(n)") == seats[n - 1], "seat S-\(n)")
        }
        #expect(try store.storedSeat("S-20001") == nil)

        let delta = [
            // sold → checked in, newer revision: replaces
            fixture.seat(
                "S-1", event: "E2", status: .checkedIn, serial: 1, revision: 3,
                checkIn: CheckIn(at: fixture.now, terminalID: "door-3", staffID: "s-1")),
            // held → sold, newer revision: replaces
            fixture.seat("S-25", status: .sold, serial: 77, revision: 2),
            // a seat sold since: inserted
            fixture.seat("S-20001", status: .sold, serial: 5, revision: 1),
            // an older view of a checked-in seat (answers crossed): skipped
            fixture.seat("S-10", status: .sold, serial: 10, revision: 2),
            // the same revision again, re-sent: replaces (a no-op in content)
            fixture.seat("S-3", event: "E2", serial: 3, revision: 2),
        ]
        let deltaTime = try clock.measure {
            summary = try store.apply(
                fixture.sync(delta, cursor: 505, complete: false), syncedAt: fixture.now.addingTimeInterval(30),
                clockSkew: 1.25)
        }
        #expect(summary == SyncSummary(cursor: 505, isComplete: false, seatCount: 20_001, changed: 4))
        #expect(try store.storedSeat("S-1") == delta[0])
        #expect(try store.storedSeat("S-25") == delta[1])
        #expect(try store.storedSeat("S-20001") == delta[2])
        #expect(try store.storedSeat("S-10") == seats[9])
        #expect(try store.storedSeat("S-2") == seats[1])
        let after = try store.syncState()
        #expect(after.cursor == 505)
        #expect(after.seatCount == 20_001)
        #expect(after.clockSkew == 1.25)
        #expect(after.syncedAt == fixture.now.addingTimeInterval(30))

        print(
            "DoorStore sync apply: full 20,000 seats \(milliseconds(full)) ms; "
                + "delta \(delta.count) seats \(milliseconds(deltaTime)) ms")
    }

    @Test func aCompleteSyncReplacesEverySeat() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1"), fixture.seat("A-2")])
        let summary = try store.apply(
            fixture.sync([fixture.seat("A-3")], cursor: 4, complete: true), syncedAt: fixture.now, clockSkew: 0)
        #expect(summary.seatCount == 1)
        #expect(summary.cursor == 4)  // a complete sync sets the cursor, even lower
        #expect(try store.storedSeat("A-1") == nil)
        #expect(try store.storedSeat("A-3") == fixture.seat("A-3"))
    }

    @Test func aDeltaNeverMovesTheCursorBack() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        _ = try store.apply(fixture.sync([], cursor: 30, complete: false), syncedAt: fixture.now, clockSkew: 0)
        let late = try store.apply(
            fixture.sync([fixture.seat("A-2")], cursor: 20, complete: false), syncedAt: fixture.now, clockSkew: 0)
        #expect(late.cursor == 30)
        #expect(try store.syncState().cursor == 30)
        #expect(try store.storedSeat("A-2") != nil)
    }

    @Test func keysAndEventsAreReplacedWhole() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1"), fixture.seat("A-2")])
        #expect(try fixture.decide(store, fixture.code(seat: "A-1")).result == .success)
        // The key is rotated away: old codes no longer verify here.
        var rotated = fixture.sync([], cursor: 11, complete: false)
        rotated.keys = [TicketSigningKey.generate().verificationKey]
        _ = try store.apply(rotated, syncedAt: fixture.now, clockSkew: 0)
        let refused = try fixture.decide(store, fixture.code(seat: "A-2"))
        #expect(refused.verdict.reason == .unknownKey)
    }

    @Test func aSyncForAnotherHallIsRefusedAndChangesNothing() throws {
        let temp = TempDirectory()
        let store = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        var other = fixture.sync([fixture.seat("B-1")], cursor: 99, complete: true)
        other.hallID = "H2"
        let error = #expect(throws: DoorStoreError.self) {
            try store.apply(other, syncedAt: fixture.now, clockSkew: 0)
        }
        #expect(error == .hallMismatch(stored: "H1", received: "H2"))
        #expect(try store.syncState().cursor == 10)
        #expect(try store.storedSeat("A-1") != nil)
        #expect(try store.storedSeat("B-1") == nil)
    }

    private func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f", ms)
    }
}
