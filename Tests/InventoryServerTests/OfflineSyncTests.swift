import Foundation
import InventoryClient
import InventoryProto
import PostgresNIO
import ScanModel
import SwiftProtobuf
import Testing
import UsherCore

@testable import InventoryServer

/// The server's half of offline door mode, against a real server and PostgreSQL:
/// SyncDoor by cursor, uploads of offline scans with the exactly-once rules, and
/// conflicts that supervisors see until they acknowledge them.
@Suite("Offline doors: sync, upload and conflicts", .timeLimit(.minutes(5)))
struct OfflineSyncTests {
    static func client(
        _ server: TestServer, _ name: String, role: DeviceRole, hall: String? = nil
    ) async throws -> InventoryClientConfiguration {
        InventoryClientConfiguration(
            host: "localhost", port: server.endpoints.grpcPort,
            credential: try await server.devices.token(name, role: role, hall: hall))
    }

    static let door2 = Door(hallID: "main", staffID: "staff-2", terminalID: "door-2")
    static let door5 = Door(hallID: "main", staffID: "staff-5", terminalID: "door-5")

    /// A full sync carries keys, every event's window, and the seats of the events
    /// that have not ended (the matinee is over: its codes are EXPIRED by the window
    /// alone); a delta carries what changed since its cursor, and a door may sync
    /// only its hall.
    @Test func aDoorSyncsItsHallInFullThenByCursor() async throws {
        try await withTestServer { server in
            let sold = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.sell("gala.stalls.A.2", to: "bob")
            _ = try await server.admit(sold, terminal: "door-9")
            try await withInventoryClient(try await Self.client(server, "door-2", role: .door, hall: "main")) { client in
                let full = try await client.syncDoor(hallID: "main", since: 0)
                #expect(full.isComplete && full.hallName == "Main Hall")
                #expect(full.seats.count == 20 && full.seats.allSatisfy { $0.eventID == "gala" }, "the gala's 20 seats only")
                #expect(full.seats.contains { $0.section == "Stalls" && $0.row == "A" && $0.number == 1 })
                #expect(Set(full.events.map(\.eventID)) == ["gala", "matinee"])
                #expect(full.keys.map(\.keyID) == [TestKeys.signer.keyID])
                #expect(abs(full.serverTime.timeIntervalSinceNow) < 60)
                let admitted = try #require(full.seats.first { $0.seatID == "gala.stalls.A.1" })
                #expect(admitted.status == .checkedIn && admitted.checkIn?.terminalID == "door-9")
                let other = try #require(full.seats.first { $0.seatID == "gala.stalls.A.2" })
                #expect(other.status == .sold && other.ticketSerial > 0 && other.checkIn == nil)

                // Nothing changed: the delta may repeat seats as they were (its cursor is
                // a snapshot's xmin, which any transaction running anywhere in the
                // cluster holds back: another test's migration, say), never a change.
                let quiet = try await client.syncDoor(hallID: "main", since: full.cursor)
                let asSynced = Dictionary(uniqueKeysWithValues: full.seats.map { ($0.seatID, $0) })
                #expect(!quiet.isComplete)
                #expect(quiet.seats.allSatisfy { asSynced[$0.seatID] == $0 }, "only repeats: \(quiet.seats.map(\.seatID))")
                // A transfer re-issues the ticket: the new serial is the revocation.
                let serialBefore = other.ticketSerial
                _ = try await server.inventory.updateOwner(
                    .with {
                        $0.seatID = "gala.stalls.A.2"
                        $0.fromUserID = "bob"
                        $0.toUserID = "carol"
                    })
                let delta = try await client.syncDoor(hallID: "main", since: quiet.cursor)
                let moved = try #require(delta.seats.first { $0.seatID == "gala.stalls.A.2" }, "the transfer is in the delta")
                #expect(moved.ticketSerial != serialBefore && moved.revision > other.revision)
                #expect(
                    delta.seats.allSatisfy { $0.seatID == "gala.stalls.A.2" || asSynced[$0.seatID] == $0 },
                    "anything else only repeated: \(delta.seats.map(\.seatID))")
                #expect(delta.cursor >= quiet.cursor)

                await expectClientError(.permissionDenied) { _ = try await client.syncDoor(hallID: "studio", since: 0) }
                await expectClientError(.invalidRequest) { _ = try await client.syncDoor(hallID: "main", since: -1) }
            }
        }
    }

    /// An offline admission uploads as an admission at the door's corrected time,
    /// and a retried upload replays it: one admission, one original log row.
    @Test func anOfflineAdmissionUploadsOnceAtTheCorrectedTime() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.1", to: "dave")
            // The door's clock ran 120 s fast; it read the code 30 s ago by its own clock.
            let skew: TimeInterval = 120
            let scannedAt = Date().addingTimeInterval(skew - 30)
            let offline = OfflineScan(scannedAt: scannedAt, clockSkew: skew, shownResult: .success)
            try await withInventoryClient(try await Self.client(server, "door-2", role: .door, hall: "main")) { client in
                let first = try await client.uploadOfflineScan(code, at: Self.door2, scanID: "door-2-offline-1", offline: offline)
                #expect(first.result == .success && !first.replayed && first.conflictID == nil)
                let corrected = try #require(first.checkedInAt)
                #expect(abs(corrected.timeIntervalSince(scannedAt.addingTimeInterval(-skew))) < 0.01)
                let retried = try await client.uploadOfflineScan(code, at: Self.door2, scanID: "door-2-offline-1", offline: offline)
                #expect(retried.result == .success && retried.replayed)
                #expect(abs((retried.checkedInAt ?? .distantPast).timeIntervalSince(corrected)) < 0.01)

                // The same scan id with another ticket: refused as a live scan is, with
                // one log row on record and nothing else written.
                let other = try await server.sell("gala.stalls.B.2", to: "erin")
                let logged = try await server.entryLogCount()
                await expectClientError(.invalidRequest) {
                    _ = try await client.uploadOfflineScan(other, at: Self.door2, scanID: "door-2-offline-1", offline: offline)
                }
                #expect(try await server.entryLogCount() == logged + 1)
                #expect(
                    try await server.count(
                        """
                        SELECT count(*) FROM entry_logs WHERE scan_id = 'door-2-offline-1' AND result IS NULL
                          AND reason = 'scan id reused'
                        """) == 1)
                #expect(try await server.seat("gala.stalls.B.2").status == .sold, "nothing admitted")
                #expect(try await server.count("SELECT count(*) FROM scan_conflicts") == 0)
            }
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE action = 'CHECK_IN'") == 1)
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM entry_logs WHERE scan_id = 'door-2-offline-1' AND offline_result = 'SUCCESS'
                      AND clock_skew_ms = 120000 AND offline_scanned_at IS NOT NULL
                    """) == 2)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE scan_id = 'door-2-offline-1' AND replay_of IS NULL") == 1)
            // The seat says when the guest really came in: 30 s ago by the server's clock.
            #expect(
                try await server.count(
                    """
                    SELECT count(*) FROM seats WHERE seat_id = 'gala.stalls.B.1' AND status = 'CHECKED_IN'
                      AND checked_in_at BETWEEN now() - interval '40 seconds' AND now() - interval '20 seconds'
                    """) == 1)
        }
    }

    /// Each door's sync says how it stands; supervisors list every enrolled door with
    /// that, judged on the server's clock. A door that never synced is listed too.
    @Test func supervisorsSeeEveryDoorAsItLastReported() async throws {
        try await withTestServer { server in
            let door2 = try await Self.client(server, "door-2", role: .door, hall: "main")
            _ = try await Self.client(server, "door-7", role: .door, hall: "main")  // enrolled, never syncs
            _ = try await Self.client(server, "door-s", role: .door, hall: "studio")
            _ = try await Self.client(server, "door-gone", role: .door, hall: "main")
            _ = try await server.withStore { try await $0.revokeDevice(named: "door-gone") }
            let supervisor = try await Self.client(server, "sup-1", role: .supervisor)
            let stands = DoorReport(offline: true, forced: true, pendingUploads: 4, clockSkew: 45.5)
            try await withInventoryClient(door2) { client in
                _ = try await client.syncDoor(hallID: "main", since: 0, report: stands)
            }
            try await withInventoryClient(supervisor) { client in
                // A supervisor inspecting a hall's copy is no door: its report is not recorded.
                _ = try await client.syncDoor(hallID: "main", since: 0, report: DoorReport(offline: false, forced: false, pendingUploads: 0, clockSkew: 0))
                let board = try await client.doors()
                #expect(board.doors.map(\.terminalID) == ["door-2", "door-7", "door-s"], "by hall, then name; revoked left out")
                let reported = try #require(board.doors.first)
                #expect(reported.hallID == "main" && reported.report == stands)
                let lastSync = try #require(reported.lastSyncAt)
                #expect(abs(board.serverTime.timeIntervalSince(lastSync)) < 5)
                #expect(DoorCondition(reported, at: board.serverTime) == .offline(forced: true))
                #expect(board.doors[1].lastSyncAt == nil && board.doors[1].report == nil)
                #expect(try await client.doors(hallID: "studio").doors.map(\.terminalID) == ["door-s"])
                await expectClientError(.invalidRequest) { _ = try await client.doors(hallID: "no such hall!") }
            }
            // A report that cannot be true is refused whole: no sync, nothing recorded.
            let before = try await server.count("SELECT count(*) FROM door_status WHERE pending_uploads = 4")
            let status = await rpcCode {
                _ = try await server.inventory.syncDoor(
                    .with { $0.hallID = "main"; $0.report = .with { $0.pendingUploads = -1 } },
                    metadata: try await server.devices.metadata("door-2"))
            }
            #expect(status == .invalidArgument)
            let garbage = await rpcCode {
                _ = try await server.inventory.syncDoor(
                    .with { $0.hallID = "main"; $0.report = .with { $0.clockSkewMs = .max } },
                    metadata: try await server.devices.metadata("door-2"))
            }
            #expect(garbage == .invalidArgument, "a skew past any clock is refused, and the server stays up")
            #expect(try await server.count("SELECT count(*) FROM door_status WHERE pending_uploads = 4") == before)
        }
    }

    /// The same ticket admitted online at one door and offline at another: the upload
    /// is a DUPLICATE that names both, recorded once as a conflict, listed for
    /// supervisors until one acknowledges it.
    @Test func aTicketAdmittedTwiceBecomesOneConflictUntilAcknowledged() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.2", to: "erin")
            try await withInventoryClient(try await Self.client(server, "door-5", role: .door, hall: "main")) { door5 in
                let live = try await door5.markCheckedIn(code, at: Self.door5, scanID: "door-5-live-1")
                #expect(live.result == .success)
            }
            let offline = OfflineScan(scannedAt: Date().addingTimeInterval(-5), clockSkew: 0, shownResult: .success)
            let conflictID = try await withInventoryClient(try await Self.client(server, "door-2", role: .door, hall: "main")) {
                door2 in
                let upload = try await door2.uploadOfflineScan(code, at: Self.door2, scanID: "door-2-offline-7", offline: offline)
                #expect(upload.result == .duplicate && upload.verdict.reason == .offlineConflict)
                #expect(upload.verdict.firstCheckIn?.terminalID == "door-5")
                let id = try #require(upload.conflictID)
                let again = try await door2.uploadOfflineScan(code, at: Self.door2, scanID: "door-2-offline-7", offline: offline)
                #expect(again.replayed && again.conflictID == id && again.verdict.reason == .offlineConflict)
                // A door may not read or acknowledge conflicts.
                await expectClientError(.permissionDenied) { _ = try await door2.conflicts() }
                return id
            }
            #expect(try await server.count("SELECT count(*) FROM scan_conflicts") == 1)
            #expect(
                try await server.count("SELECT count(*) FROM seats WHERE seat_id = 'gala.stalls.B.2' AND checked_in_terminal_id = 'door-5'")
                    == 1, "the first admission stands")
            try await withInventoryClient(try await Self.client(server, "sup-1", role: .supervisor)) { supervisor in
                let open = try await supervisor.conflicts()
                let conflict = try #require(open.first)
                #expect(open.count == 1 && conflict.id == conflictID && conflict.seatID == "gala.stalls.B.2")
                #expect(conflict.first?.terminalID == "door-5" && conflict.offlineTerminalID == "door-2")
                #expect(conflict.message.contains("door-5") && conflict.message.contains("door-2") && conflict.message.contains("(offline)"))
                #expect(conflict.serverResult == .duplicate && conflict.acknowledgedAt == nil)

                let acknowledged = try await supervisor.acknowledgeConflict(id: conflictID)
                #expect(acknowledged.acknowledgedBy == "sup-1" && acknowledged.acknowledgedAt != nil)
                #expect(try await supervisor.conflicts().isEmpty)
                let history = try await supervisor.conflicts(includeAcknowledged: true)
                #expect(history.map(\.id) == [conflictID])
                // A second acknowledgement keeps the first.
                let twice = try await supervisor.acknowledgeConflict(id: conflictID)
                #expect(twice.acknowledgedAt == acknowledged.acknowledgedAt && twice.acknowledgedBy == "sup-1")
                await expectClientError(.notFound) { _ = try await supervisor.acknowledgeConflict(id: conflictID + 1000) }
                await expectClientError(.invalidRequest) { _ = try await supervisor.acknowledgeConflict(id: 0) }
            }
        }
    }

    /// A guest the offline door turned away is never admitted by the upload, even
    /// when the server would have let them in; the scan is on record as a VERIFY.
    /// An offline admission the server would refuse (an unsold seat) is a conflict.
    @Test func uploadsNeverAdmitAGuestTurnedAwayAndFlagAnAdmissionTheServerRefuses() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.3", to: "frank")
            let unsold = TestKeys.code(seat: "gala.stalls.B.4")
            try await withInventoryClient(try await Self.client(server, "door-2", role: .door, hall: "main")) { client in
                let turnedAway = OfflineScan(scannedAt: Date(), clockSkew: 0, shownResult: .unpaid)
                let refused = try await client.uploadOfflineScan(code, at: Self.door2, scanID: "door-2-offline-20", offline: turnedAway)
                #expect(refused.result == .success && refused.checkedInAt == nil, "the server's own view, not an admission")
                #expect(try await server.seat("gala.stalls.B.3").status == .sold)

                let admitted = OfflineScan(scannedAt: Date(), clockSkew: 0, shownResult: .success)
                let flagged = try await client.uploadOfflineScan(unsold, at: Self.door2, scanID: "door-2-offline-21", offline: admitted)
                #expect(flagged.result == .unpaid && flagged.conflictID != nil)
            }
            #expect(
                try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE scan_id = 'door-2-offline-20' AND action = 'VERIFY' AND offline_result = 'UNPAID'")
                    == 1)
            #expect(try await server.count("SELECT count(*) FROM scan_conflicts WHERE server_reason = 'not sold'") == 1)
        }
    }

    /// The door lost the server's answer and decided the same scan again offline: the
    /// upload replays the server's answer, and where the two disagree on admission it
    /// is a conflict, once — the door let in a guest the server had refused, or sent
    /// away one the server had admitted.
    @Test func aLostAnswerDecidedOtherwiseOfflineIsAConflict() async throws {
        try await withTestServer { server in
            let taken = try await server.sell("gala.stalls.B.7", to: "hal")
            let mine = try await server.sell("gala.stalls.B.8", to: "ida")
            _ = try await server.admit(taken, terminal: "door-5")
            try await withInventoryClient(try await Self.client(server, "door-2", role: .door, hall: "main")) { client in
                // Online: DUPLICATE (door-5 was first); the answer is lost; offline: SUCCESS.
                let online = try await client.markCheckedIn(taken, at: Self.door2, scanID: "door-2-lost-1")
                #expect(online.result == .duplicate)
                let letIn = OfflineScan(scannedAt: Date(), clockSkew: 0, shownResult: .success)
                let first = try await client.uploadOfflineScan(taken, at: Self.door2, scanID: "door-2-lost-1", offline: letIn)
                #expect(first.replayed && first.result == .duplicate)
                let conflict = try #require(first.conflictID)
                let again = try await client.uploadOfflineScan(taken, at: Self.door2, scanID: "door-2-lost-1", offline: letIn)
                #expect(again.conflictID == conflict, "a retried upload finds the same conflict")

                // Online: admitted; the answer is lost; offline: DUPLICATE (a sync had
                // brought this very admission in).
                let admitted = try await client.markCheckedIn(mine, at: Self.door2, scanID: "door-2-lost-2")
                #expect(admitted.result == .success)
                let sentAway = OfflineScan(scannedAt: Date(), clockSkew: 0, shownResult: .duplicate)
                let upload = try await client.uploadOfflineScan(mine, at: Self.door2, scanID: "door-2-lost-2", offline: sentAway)
                #expect(upload.replayed && upload.result == .success && upload.conflictID != nil)
            }
            #expect(try await server.count("SELECT count(*) FROM scan_conflicts") == 2)
            #expect(
                try await server.count(
                    "SELECT count(*) FROM scan_conflicts WHERE scan_id = 'door-2-lost-2' AND message LIKE '%may have been turned away%'")
                    == 1)
            #expect(try await server.count("SELECT count(*) FROM seat_history WHERE action = 'CHECK_IN'") == 2, "nobody admitted twice")
        }
    }

    /// Broken offline fields are INVALID_ARGUMENT, and nothing is written; numbers
    /// past any clock never reach a date encoder (the server stays up). A door whose
    /// clock is decades off, with the skew it measured, is still believed.
    @Test func malformedOfflineFieldsAreRefusedWholesale() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.A.5", to: "gina")
            let before = try await server.entryLogCount()
            let mutations: [(inout Inventory_MarkCheckedInRequest) -> Void] = [
                { $0.clockSkewMs = 5 },  // skew without a scan time
                { $0.offlineScannedAt = .init(date: Date()) },  // no verdict shown
                {
                    $0.offlineScannedAt = .init(date: Date())
                    $0.offlineResult = .success
                    $0.clockSkewMs = .min  // not a clock
                },
                {
                    $0.offlineScannedAt = .init(date: Date())
                    $0.offlineResult = .success
                    $0.clockSkewMs = .max
                },
                {
                    $0.offlineScannedAt = .with { $0.seconds = 10_000_000_000_000 }  // past year 9999
                    $0.offlineResult = .success
                },
                {
                    $0.offlineScannedAt = .init(date: Date().addingTimeInterval(-400 * 86_400))  // a year ago, corrected
                    $0.offlineResult = .success
                },
                {
                    $0.offlineScannedAt = .init(date: Date().addingTimeInterval(3600))  // an hour ahead, corrected
                    $0.offlineResult = .success
                },
            ]
            for mutate in mutations {
                var request = Inventory_MarkCheckedInRequest.with {
                    $0.ticketCode = code
                    $0.hallID = "main"
                    $0.staffID = "staff-1"
                    $0.terminalID = "door-1"
                    $0.scanID = "bad-offline-\(UUID().uuidString.prefix(6))"
                }
                mutate(&request)
                let status = await rpcCode { [request] in
                    _ = try await server.inventory.markCheckedIn(request, metadata: try await server.devices.metadata("door-1"))
                }
                #expect(status == .invalidArgument)
            }
            #expect(try await server.entryLogCount() == before)
            #expect(try await server.seat("gala.stalls.A.5").status == .sold)

            // A door that booted at 1970 and measured that: its guest is admitted at the
            // corrected time.
            let skew = 1_000 - Date().timeIntervalSince1970  // terminal − server: far behind
            let accepted = try await server.inventory.markCheckedIn(
                .with {
                    $0.ticketCode = code
                    $0.hallID = "main"
                    $0.staffID = "staff-1"
                    $0.terminalID = "door-1"
                    $0.scanID = "offline-1970"
                    $0.offlineScannedAt = .with { $0.seconds = 1_000 }
                    $0.clockSkewMs = Int64(skew * 1000)
                    $0.offlineResult = .success
                }, metadata: try await server.devices.metadata("door-1"))
            #expect(accepted.result == .success)
            #expect(abs(accepted.checkedInAt.date.timeIntervalSinceNow) < 10)
        }
    }
}
