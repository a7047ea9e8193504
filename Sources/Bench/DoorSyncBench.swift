import DoorStore
import Foundation
import InventoryClient
import UsherCore

/// A door's offline copy at arena scale: `bench door-sync` syncs a 20,000-seat hall
/// into a fresh DoorStore (SyncDoor over gRPC, then one SQLite transaction, fsynced),
/// and then polls it by cursor with nothing new, as the door does every 3 s.
extension Bench {
    static func doorSync(credential path: String, maxFullMilliseconds: Double?, maxDeltaMilliseconds: Double?) async throws -> Bool {
        let credential = try loadCredential(path)
        let configuration = try credential.clientConfiguration()
        let hallID = credential.hall ?? "main"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usher-bench-door-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ContinuousClock()
        let (full, delta, seats) = try await withInventoryClient(configuration) { client in
            _ = try await client.verificationKeys()  // opens the connection
            var fullSamples: [Duration] = []
            var seats = 0
            var store: DoorStore?
            var cursor: Int64 = 0
            for round in 0..<5 {
                // A new store each round: the door's first sync, end to end.
                let fresh = try DoorStore.open(
                    at: directory.appendingPathComponent("door-\(round).sqlite"), owner: DoorStoreOwner(terminalID: "bench", server: "bench"))
                let start = clock.now
                let sync = try await client.syncDoor(hallID: hallID, since: 0)
                let summary = try fresh.apply(sync, syncedAt: Date(), clockSkew: 0)
                fullSamples.append(clock.now - start)
                seats = summary.seatCount
                cursor = sync.cursor
                store = fresh
            }
            guard let store else { throw CocoaError(.featureUnsupported) }  // five rounds always ran
            var deltaSamples: [Duration] = []
            for _ in 0..<50 {
                let start = clock.now
                let sync = try await client.syncDoor(hallID: hallID, since: cursor)
                _ = try store.apply(sync, syncedAt: Date(), clockSkew: 0)
                deltaSamples.append(clock.now - start)
                cursor = sync.cursor
                if !sync.seats.isEmpty { print("note: a delta sync returned \(sync.seats.count) seats") }
            }
            return (median(fullSamples), median(deltaSamples), seats)
        }
        print(String(format: "door sync %@ (%d seats): full sync into a new store median %.1f ms", hallID, seats, milliseconds(full)))
        print(String(format: "door sync %@: delta sync with nothing new median %.2f ms", hallID, milliseconds(delta)))
        var ok = true
        if let maxFullMilliseconds, milliseconds(full) > maxFullMilliseconds {
            print(String(format: "FAILED: full door sync %.1f ms is over the %.0f ms target", milliseconds(full), maxFullMilliseconds))
            ok = false
        }
        if let maxDeltaMilliseconds, milliseconds(delta) > maxDeltaMilliseconds {
            print(String(format: "FAILED: delta door sync %.2f ms is over the %.0f ms target", milliseconds(delta), maxDeltaMilliseconds))
            ok = false
        }
        return ok
    }
}
