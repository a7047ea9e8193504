import Foundation
import GRDB
import Testing
import UsherCore

@testable import DoorStore

/// A store is one door's copy from one server: anything else found at its path is
/// moved aside (never deleted), and the door goes on with a fresh store only when
/// nothing in the old one is waiting to be uploaded.
@Suite struct StoreOwnerTests {
    let fixture = DoorFixture()

    /// The kept files beside the store, by name.
    func kept(_ temp: TempDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: temp.storeURL.deletingLastPathComponent().path)
            .filter { $0.contains(".other-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
    }

    @Test func theOwnerReopensItsOwnStore() throws {
        let temp = TempDirectory()
        var store: DoorStore? = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        store = nil
        store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        #expect(try #require(store).setAside == nil)
        #expect(try #require(store).syncState().cursor == 10)
        #expect(try kept(temp).isEmpty)
    }

    /// Uploaded everything: the old copy is kept aside and the door starts afresh,
    /// asking the new server for everything (cursor 0).
    @Test(arguments: [
        DoorStoreOwner(terminalID: "door-2", server: "fixture-server"),
        DoorStoreOwner(terminalID: "door-1", server: "another-server"),
    ])
    func anotherOwnersUploadedStoreIsSetAside(owner: DoorStoreOwner) throws {
        let temp = TempDirectory()
        var store: DoorStore? = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        _ = try fixture.decide(try #require(store), fixture.code(seat: "A-1"), scanID: "scan-1")
        try #require(store).markUploaded(scanID: "scan-1", serverResult: .success, serverReason: .valid, conflictID: nil, at: fixture.now)
        store = nil
        let fresh = try DoorStore.open(at: temp.storeURL, owner: owner)
        let setAside = try #require(fresh.setAside)
        #expect(setAside.why.contains("made for terminal door-1, server fixture-server"), "\(setAside)")
        #expect(setAside.keptAt.hasPrefix(temp.storeURL.path + ".other-"))
        #expect(try fresh.syncState().cursor == 0 && fresh.pendingCount() == 0)
        // The kept copy is whole: its journal row is still in it.
        let old = try DatabaseQueue(path: setAside.keptAt)
        #expect(try old.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM journal") } == 1)
        // And the fresh store is now the new owner's.
        #expect(try DoorStore.open(at: temp.storeURL, owner: owner).setAside == nil)
    }

    /// Scans still to upload: the door must not start on a fresh store as if nothing
    /// happened. The file is kept aside and the error says where and how many.
    @Test func anotherOwnersStoreWithScansToUploadStopsTheDoor() throws {
        let temp = TempDirectory()
        var store: DoorStore? = try fixture.syncedStore(temp, seats: [fixture.seat("A-1"), fixture.seat("A-2")])
        _ = try fixture.decide(try #require(store), fixture.code(seat: "A-1"), scanID: "scan-1")
        _ = try fixture.decide(try #require(store), fixture.code(seat: "A-2"), scanID: "scan-2")
        store = nil
        let other = DoorStoreOwner(terminalID: "door-9", server: "fixture-server")
        let error = #expect(throws: DoorStoreError.self) { try DoorStore.open(at: temp.storeURL, owner: other) }
        guard case .foreign(_, let keptAt, _, let pending)? = error else {
            Issue.record("expected .foreign, got \(String(describing: error))")
            return
        }
        #expect(pending == 2)
        #expect(try kept(temp).count == 1 && keptAt.hasPrefix(temp.storeURL.path + ".other-"))
        #expect(try #require(error).description.contains("2 un-uploaded scans"))
        // The next start makes a fresh store for the new owner.
        let fresh = try DoorStore.open(at: temp.storeURL, owner: other)
        #expect(fresh.setAside == nil)
        #expect(try fresh.pendingCount() == 0)
    }

    /// A store from before owners were recorded is claimed when its journal is all
    /// this terminal's, and set aside when another terminal journaled in it.
    @Test func anUnownedStoreIsClaimedOnlyWhenItsJournalIsOurs() throws {
        let temp = TempDirectory()
        var store: DoorStore? = try fixture.syncedStore(temp, seats: [fixture.seat("A-1")])
        _ = try fixture.decide(try #require(store), fixture.code(seat: "A-1"), scanID: "scan-1")
        try #require(store).markUploaded(scanID: "scan-1", serverResult: .success, serverReason: .valid, conflictID: nil, at: fixture.now)
        try #require(store).queue.write { try $0.execute(sql: "DELETE FROM store_owner") }
        store = nil
        #expect(try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner).setAside == nil, "door-1's journal: claimed")
        store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        try #require(store).queue.write { try $0.execute(sql: "DELETE FROM store_owner") }
        store = nil
        let setAside = try DoorStore.open(at: temp.storeURL, owner: DoorStoreOwner(terminalID: "door-2", server: "x")).setAside
        #expect(setAside?.why == "journaled by terminal door-1, not door-2")
    }

    /// A file whose migration was edited after it ran (a development build) has the
    /// migration on record but not its columns: it is set aside, not used to fail
    /// every sync.
    @Test func aStoreMadeByAnotherBuildIsSetAside() throws {
        let temp = TempDirectory()
        var store: DoorStore? = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        try #require(store).queue.write { try $0.execute(sql: "ALTER TABLE seats DROP COLUMN section") }
        store = nil
        let fresh = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        let setAside = try #require(fresh.setAside)
        #expect(setAside.why.hasPrefix("made by another build (its table seats has columns [seat_id, event_id, row"), "\(setAside)")
        _ = try fresh.apply(fixture.sync([fixture.seat("A-1")], cursor: 1, complete: true), syncedAt: fixture.now, clockSkew: 0)
    }
}
