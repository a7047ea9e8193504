import Foundation
import Testing
import UsherCore

@testable import DoorStore

@Suite struct CorruptFileTests {
    let fixture = DoorFixture()

    @Test func junkIsKeptAsideByteForByteAndTheNextOpenStartsFresh() throws {
        let temp = TempDirectory()
        let path = temp.storeURL.path
        try FileManager.default.createDirectory(
            at: temp.storeURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let junk = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try junk.write(to: temp.storeURL)

        let error = #expect(throws: DoorStoreError.self) { try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner) }
        guard case .corrupt(let reported, let keptAt, let why)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(reported == path)
        #expect(why.contains("not an SQLite database"))
        #expect(keptAt.hasPrefix(path + ".corrupt-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keptAt)) == junk)
        #expect(!FileManager.default.fileExists(atPath: path))
        let sentence = try #require(error).description
        #expect(sentence.contains(keptAt))
        #expect(sentence.contains("un-uploaded scans are in the kept file"))

        let fresh = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        #expect(try fresh.pendingCount() == 0)
        #expect(try fresh.syncState().cursor == 0)
        // The kept file is still there, untouched by the fresh store.
        #expect(try Data(contentsOf: URL(fileURLWithPath: keptAt)) == junk)
    }

    @Test func aTruncatedDatabaseIsKeptAsideAndTheNextOpenStartsFresh() throws {
        let temp = TempDirectory()
        let path = temp.storeURL.path
        var store: DoorStore? = try fixture.syncedStore(
            temp, seats: (1...3000).map { fixture.seat("A-\($0)") })
        for n in 1...50 {
            _ = try fixture.decide(try #require(store), fixture.code(seat: "A-\(n)"), scanID: "scan-\(n)")
        }
        store = nil  // closes the connection, which checkpoints the WAL into the file
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

        let whole = try Data(contentsOf: temp.storeURL)
        #expect(whole.count > 64 * 1024)
        let half = whole.prefix(whole.count / 2)
        try Data(half).write(to: temp.storeURL)

        let error = #expect(throws: DoorStoreError.self) { try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner) }
        guard case .corrupt(_, let keptAt, let why)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        print("truncated store refused: \(why)")
        #expect(keptAt.hasPrefix(path + ".corrupt-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keptAt)) == Data(half))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

        let fresh = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        #expect(try fresh.pendingCount() == 0)
        #expect(try fresh.syncState().seatCount == 0)
    }

    /// SQLite deletes a WAL at close only once its frames are in the main file (or when
    /// it holds none), so a WAL that outlives a failed open is moved with the file,
    /// under the same kept name so that SQLite still pairs them; a second damaged file
    /// in the same second gets its own name.
    @Test func keepAsideMovesTheWALAndSHMUnderTheSameNameAndNeverOverwrites() throws {
        let temp = TempDirectory()
        let directory = temp.url
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("door-H1.sqlite").path
        func write(_ suffix: String, _ byte: UInt8) throws {
            try Data(repeating: byte, count: 64).write(to: URL(fileURLWithPath: path + suffix))
        }
        func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        try write("", 1)
        try write("-wal", 2)
        try write("-shm", 3)
        let first = try CorruptFile.keepAside(path, now: fixture.now)
        #expect(first == path + ".corrupt-20270115T200000Z")
        #expect(try read(first) == Data(repeating: 1, count: 64))
        #expect(try read(first + "-wal") == Data(repeating: 2, count: 64))
        #expect(try read(first + "-shm") == Data(repeating: 3, count: 64))
        for suffix in ["", "-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix)) }

        try write("", 4)
        let second = try CorruptFile.keepAside(path, now: fixture.now)
        #expect(second == first + "-2")
        #expect(try read(second) == Data(repeating: 4, count: 64))
        #expect(try read(first) == Data(repeating: 1, count: 64))
    }

    @Test func theKeptNameIsTheUTCStamp() {
        // 2027-01-15 20:00:00 UTC
        #expect(CorruptFile.stamp(Date(timeIntervalSince1970: 1_800_043_200)) == "20270115T200000Z")
    }
}
