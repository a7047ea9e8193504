import DoorStore
import Foundation
import InventoryClient
import Logging
import PostgresNIO
import ScanModel
import Synchronization
import Testing
import UsherCore

@testable import ScanTUI

extension LoadAndFaults {
    /// Offline mode end to end, headless: two doors' real effect runners
    /// (``OfflineDoor``) with their own SQLite stores, against a real server process
    /// that is killed with SIGKILL mid-session and restarted.
    @Suite("Offline doors through a server kill", .timeLimit(.minutes(5)))
    struct OfflineDoorEndToEndTests {
        /// Both doors sync; the server is killed; 100 scans are decided offline (tickets
        /// 90–94 at both doors); the server comes back. Within 10 s of the restart both
        /// journals are uploaded: 95 admissions, 5 conflicts, 0 lost, 0 doubled, and
        /// every journal row uploaded exactly once.
        @Test func twoDoorsKeepAdmittingThroughAServerKillAndReconcileAfter() async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-offline-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await withTestServer(database: database, venue: TestVenue.arena) { boxOffice in
                let seats = TestVenue.arenaSeats(rows: 0..<3).prefix(95).map { $0 }
                let codes = try await ExactlyOnceTests.sell(seats, at: boxOffice)
                let (grpcPort, httpPort) = (try freePort(), try freePort())
                let doorA = try Self.door("door-a", directory: directory)
                let doorB = try Self.door("door-b", directory: directory)

                // 1. Online: both doors sync the hall.
                let devices = try await withServerProcess(
                    database: database, directory: directory, grpcPort: grpcPort, httpPort: httpPort
                ) { first in
                    let devices = TestDevices(database: database, port: first.grpcPort)
                    for door in [doorA, doorB] {
                        try await withInventoryClient(try await Self.client(door, devices: devices, port: first.grpcPort)) { client in
                            let synced = try await door.syncOnce(client: client).get()
                            #expect(synced.seats >= 95)
                        }
                    }
                    // 2. The server dies.
                    try first.send(SIGKILL)
                    _ = try await first.waitForExit(within: .seconds(5))
                    return devices
                }

                // 3. Offline: 100 scans, decided locally and journalled first.
                let scansA = Array(0..<50) + Array(90..<95)
                let scansB = Array(50..<95)
                for (door, tickets) in [(doorA, scansA), (doorB, scansB)] {
                    for ticket in tickets {
                        let scan = Scan(id: "\(door.door.terminalID)-\(ticket)", code: codes[ticket], readAt: Date())
                        let report = try door.decide(scan).get()
                        #expect(report.result == .success && report.offline != nil, "offline \(scan.id): \(report.verdict.message)")
                    }
                }
                // A second scan of the same ticket at the same door is DUPLICATE offline.
                let again = try doorA.decide(Scan(id: "door-a-again", code: codes[3], readAt: Date())).get()
                #expect(again.result == .duplicate)
                #expect(try doorA.store.pendingCount() == 56)
                #expect(try doorB.store.pendingCount() == 45)

                // 4. The server comes back; the doors' upload loops run.
                try await withServerProcess(database: database, directory: directory, grpcPort: grpcPort, httpPort: httpPort) { again in
                    let restarted = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for door in [doorA, doorB] {
                            let configuration = try await Self.client(door, devices: devices, port: again.grpcPort)
                            group.addTask {
                                try await withInventoryClient(configuration) { client in
                                    let (events, sink) = AsyncStream<TerminalEvent>.makeStream()
                                    _ = events
                                    try await door.runUploads(client: client, sink: sink)
                                }
                            }
                        }
                        let (drained, _) = try await waitUntil("both journals uploaded", within: .seconds(10), every: .milliseconds(100)) {
                            (try doorA.store.pendingCount(), try doorB.store.pendingCount())
                        } until: { $0 == (0, 0) }
                        print("offline end to end: journals drained \(drained) in \(ContinuousClock.now - restarted) after the restart")
                        group.cancelAll()
                        try? await group.waitForAll()
                    }
                    // Every supervisor view gets the alerts: five open conflicts, each naming
                    // both doors.
                    let supervisor = InventoryClientConfiguration(
                        host: "127.0.0.1", port: again.grpcPort,
                        credential: try await devices.token("sup-offline", role: .supervisor, hall: nil))
                    let alerts = try await withInventoryClient(supervisor) { try await $0.conflicts() }
                    #expect(alerts.count == 5, "\(alerts.map(\.message))")
                    #expect(alerts.allSatisfy { $0.message.contains("door-a") && $0.message.contains("door-b") }, "\(alerts.map(\.message))")
                }

                // 5. Reconcile against the database.
                let admitted = try await boxOffice.count("SELECT count(*) FROM seats WHERE status = 'CHECKED_IN'")
                let checkIns = try await boxOffice.count("SELECT count(*) FROM seat_history WHERE action = 'CHECK_IN'")
                let conflicts = try await boxOffice.count("SELECT count(*) FROM scan_conflicts")
                let uploaded = try await boxOffice.count(
                    "SELECT count(DISTINCT scan_id) FROM entry_logs WHERE offline_result IS NOT NULL AND replay_of IS NULL")
                let originals = try await boxOffice.count(
                    "SELECT count(*) FROM entry_logs WHERE offline_result IS NOT NULL AND replay_of IS NULL")
                print("offline end to end: admitted \(admitted), check-ins \(checkIns), conflicts \(conflicts), uploaded \(uploaded) of 101")
                #expect(admitted == 95 && checkIns == 95, "95 admissions, none doubled")
                #expect(conflicts == 5, "tickets 90–94 at both doors")
                #expect(uploaded == 101 && originals == 101, "every journal row once: 100 scans and the offline DUPLICATE")
                for door in [doorA, doorB] {
                    #expect(try door.store.pendingUploads(limit: 1000).isEmpty)
                }
            }
        }

        /// A terminal whose clock is 2 minutes fast: the sync measures the skew, the door
        /// shows the clock warning, the offline window is judged by the server's clock,
        /// and the server stores the corrected time beside the terminal's own.
        @Test func aClockTwoMinutesFastIsWarnedAndCorrected() async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-skew-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let fast = try Self.door("door-fast", directory: directory, clock: { Date().addingTimeInterval(120) })
            try await withTestServer(database: database) { server in
                let code = try await server.sell("gala.stalls.A.7", to: "ivy")
                let configuration = try await OfflineSyncTests.client(server, "door-fast", role: .door, hall: "main")
                try await withInventoryClient(configuration) { client in
                    let scannedAtStart = fast.clock()
                    let status = try await fast.syncOnce(client: client).get()
                    #expect(abs(status.clockSkew - 120) < 2, "measured \(status.clockSkew) s")
                    // The door says so, in words, online or not.
                    var model = DoorState(
                        settings: DoorSettings(server: "127.0.0.1", hallID: "main", staffID: "s", terminalID: "door-fast"),
                        width: 80, height: 24, now: scannedAtStart, session: "skew")
                    _ = model.update(.synced(.success(status)))
                    let warning = model.clockWarning ?? "none"
                    #expect(warning.hasPrefix("CLOCK: this terminal is 2 min") && warning.hasSuffix("ahead of the server"), "\(warning)")

                    let scannedAt = fast.clock()
                    let report = try fast.decide(Scan(id: "door-fast-1", code: code, readAt: scannedAt)).get()
                    #expect(report.result == .success && report.offline != nil, "\(report.verdict.message)")
                    let (events, sink) = AsyncStream<TerminalEvent>.makeStream()
                    _ = events
                    let uploads = Task { try await fast.runUploads(client: client, sink: sink) }
                    defer { uploads.cancel() }
                    try await waitUntil("the scan is uploaded", within: .seconds(10), every: .milliseconds(100)) {
                        try fast.store.pendingCount()
                    } until: { $0 == 0 }
                    let stored = try await withClient(database) { client in
                        try await client.query(
                            """
                            SELECT extract(epoch FROM scanned_at)::float8, extract(epoch FROM offline_scanned_at)::float8, clock_skew_ms
                            FROM entry_logs WHERE scan_id = 'door-fast-1' AND replay_of IS NULL
                            """, logger: TestCluster.logger
                        ).collect().first?.decode((Double, Double, Int64).self)
                    }
                    let (corrected, terminal, skewMs) = try #require(stored)
                    #expect(abs(terminal - scannedAt.timeIntervalSince1970) < 0.01, "the terminal's own time is kept")
                    #expect(abs(Double(skewMs) - status.clockSkew * 1000) < 1, "with the skew it measured")
                    #expect(abs(corrected - (scannedAt.timeIntervalSince1970 - 120)) < 2, "scanned_at is the server's time")
                }
            }
        }

        /// A row the server refuses (its scan id already names another code there) is
        /// kept and counted, and the rows behind it still go up.
        @Test func aRefusedRowNeverHoldsUpTheRowsBehindIt() async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-refused-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let door = try Self.door("door-r", directory: directory)
            try await withTestServer(database: database) { server in
                let first = try await server.sell("gala.stalls.A.6", to: "jo")
                let other = try await server.sell("gala.stalls.A.7", to: "kim")
                let behind = try await server.sell("gala.stalls.A.8", to: "lee")
                let configuration = try await OfflineSyncTests.client(server, "door-r", role: .door, hall: "main")
                try await withInventoryClient(configuration) { client in
                    _ = try await door.syncOnce(client: client).get()
                    // The server already holds scan id door-r-1, for another code.
                    _ = try await client.markCheckedIn(other, at: door.door, scanID: "door-r-1")
                    for (id, code) in [("door-r-1", first), ("door-r-2", behind)] {
                        let report = try door.decide(Scan(id: id, code: code, readAt: Date())).get()
                        #expect(report.result == .success)
                    }
                    let (events, sink) = AsyncStream<TerminalEvent>.makeStream()
                    let uploads = Task { try await door.runUploads(client: client, sink: sink) }
                    defer { uploads.cancel() }
                    let latest = Mutex<JournalStatus?>(nil)
                    let reader = Task {
                        for await event in events {
                            if case .door(.journal(let status)) = event { latest.withLock { $0 = status } }
                        }
                    }
                    defer { reader.cancel() }
                    // Only the refused row waits, counted on the door's status bar.
                    try await waitUntil("the row behind is uploaded, the refused one counted", within: .seconds(10), every: .milliseconds(100)) {
                        latest.withLock { $0 }
                    } until: { $0?.refused == 1 && $0?.pending == 1 }
                    #expect(try door.store.pendingUploads(limit: 10).map(\.scanID) == ["door-r-1"])
                }
                #expect(try await server.seat("gala.stalls.A.8").status == .checkedIn, "the row behind it went up")
                #expect(try await server.seat("gala.stalls.A.6").status == .sold)
            }
        }

        static func door(
            _ name: String, directory: URL, clock: @escaping @Sendable () -> Date = { Date() }
        ) throws -> OfflineDoor {
            let store = try DoorStore.open(
                at: directory.appendingPathComponent("\(name).sqlite"), owner: DoorStoreOwner(terminalID: name, server: "test-server"))
            return OfflineDoor(
                store: store, door: Door(hallID: "main", staffID: "staff-\(name)", terminalID: name), timeZone: .current,
                logger: TestCluster.logger, clock: clock)
        }

        static func client(_ door: OfflineDoor, devices: TestDevices, port: Int) async throws -> InventoryClientConfiguration {
            InventoryClientConfiguration(
                host: "127.0.0.1", port: port,
                credential: try await devices.token(door.door.terminalID, role: .door, hall: "main"))
        }
    }
}
