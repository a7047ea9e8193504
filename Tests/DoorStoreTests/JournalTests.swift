import Foundation
import Testing
import UsherCore

@testable import DoorStore

@Suite struct JournalTests {
    let fixture = DoorFixture()

    /// Codes for seats A-1…A-5, scanned one second apart as scan-1…scan-5.
    let codes: [String]

    init() {
        codes = (1...5).map { [fixture] n in fixture.code(seat: "A-\(n)") }
    }

    func storeWithFiveScans(_ temp: TempDirectory) throws -> DoorStore {
        let store = try fixture.syncedStore(temp, seats: (1...5).map { fixture.seat("A-\($0)") })
        for n in 1...5 {
            _ = try fixture.decide(
                store, codes[n - 1], scanID: "scan-\(n)", at: fixture.now.addingTimeInterval(Double(n)))
        }
        return store
    }

    @Test func pendingUploadsComeOldestFirstWithTheirOfflineFacts() throws {
        let temp = TempDirectory()
        let store = try storeWithFiveScans(temp)
        let pending = try store.pendingUploads(limit: 10)
        #expect(pending.map(\.scanID) == (1...5).map { "scan-\($0)" })
        #expect(pending.map(\.seq) == pending.map(\.seq).sorted())
        #expect(Set(pending.map(\.seq)).count == 5)
        #expect(try store.pendingUploads(limit: 2).map(\.scanID) == ["scan-1", "scan-2"])
        // Paged by seq: an uploader moves past a row the server refused.
        #expect(try store.pendingUploads(limit: 2, after: pending[1].seq).map(\.scanID) == ["scan-3", "scan-4"])

        let third = try #require(pending.dropFirst(2).first)
        #expect(third.code == codes[2])
        #expect(third.offline == OfflineScan(
            scannedAt: fixture.now.addingTimeInterval(3), clockSkew: 2, shownResult: .success))
        #expect(third.terminalID == "door-1")
        #expect(third.staffID == "staff-7")
        #expect(third.decision.seatID == "A-3")
        #expect(third.decision.eventID == "E1")
        #expect(third.uploadedAt == nil)
        #expect(third.serverResult == nil)
        #expect(third.conflictID == nil)
    }

    @Test func markUploadedRemovesFromPendingAndIsIdempotent() throws {
        let temp = TempDirectory()
        let store = try storeWithFiveScans(temp)
        #expect(try store.pendingCount() == 5)
        let acked = fixture.now.addingTimeInterval(600)
        try store.markUploaded(
            scanID: "scan-2", serverResult: .duplicate, serverReason: .offlineConflict, conflictID: 41, at: acked)
        #expect(try store.pendingCount() == 4)
        #expect(try store.pendingUploads(limit: 10).map(\.scanID) == ["scan-1", "scan-3", "scan-4", "scan-5"])

        // Again (a retried acknowledgement): no error, the first answer stays.
        try store.markUploaded(
            scanID: "scan-2", serverResult: .success, serverReason: .valid, conflictID: nil,
            at: acked.addingTimeInterval(5))
        #expect(try store.pendingCount() == 4)
        let row = try #require(try store.journalEntry(scanID: "scan-2"))
        #expect(row.uploadedAt == acked)
        #expect(row.serverResult == .duplicate)
        #expect(row.serverReason == .offlineConflict)
        #expect(row.conflictID == 41)
        #expect(row.decision.verdict.result == .success)  // what the guest was shown is kept

        try store.markUploaded(scanID: "scan-1", serverResult: .success, serverReason: .valid, conflictID: nil, at: acked)
        #expect(try store.pendingUploads(limit: 1).map(\.scanID) == ["scan-3"])
    }

    @Test func markingAnUnknownScanThrows() throws {
        let temp = TempDirectory()
        let store = try storeWithFiveScans(temp)
        let error = #expect(throws: DoorStoreError.self) {
            try store.markUploaded(
                scanID: "nope", serverResult: .success, serverReason: .valid, conflictID: nil, at: fixture.now)
        }
        #expect(error == .unknownScan(scanID: "nope"))
        #expect(try store.pendingCount() == 5)
    }

    @Test func anUploadedAdmissionStillMakesTheNextScanDuplicate() throws {
        let temp = TempDirectory()
        let store = try storeWithFiveScans(temp)
        try store.markUploaded(
            scanID: "scan-1", serverResult: .success, serverReason: .valid, conflictID: nil, at: fixture.now)
        // The server's CHECKED_IN has not come back by sync yet.
        #expect(try fixture.decide(store, codes[0]).verdict.reason == .alreadyCheckedIn)
    }
}
