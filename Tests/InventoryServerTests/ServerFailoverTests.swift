import Foundation
import InventoryClient
import PostgresNIO
import Synchronization
import Testing
import UsherCore

extension LoadAndFaults {
    /// Several `inventory-server` processes on one database, and a door that knows
    /// them all (`--server a:p,b:p`): when the server it uses dies, its next scan goes
    /// to the other within the scan's own deadline, the status names the server that
    /// answered, and a scan id made at the first server is honoured at the second.
    @Suite("A door with several servers", .timeLimit(.minutes(3)))
    struct ServerFailoverTests {
        @Test func aDoorGoesOnToTheNextServerWhenItsServerDies() async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-failover-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let sold = Mutex<[String]>([])
            try await withTestServer(database: database) { boxOffice in
                let codes = try await ExactlyOnceTests.sell(["gala.stalls.A.1", "gala.stalls.A.2", "gala.stalls.A.3"], at: boxOffice)
                sold.withLock { $0 = codes }
            }
            let codes = sold.withLock { $0 }
            let (portA, portB) = (try freePort(), try freePort())
            let (serverA, serverB) = ("127.0.0.1:\(portA)", "127.0.0.1:\(portB)")
            try await withServerProcess(database: database, directory: directory.appendingPathComponent("a"), grpcPort: portA) { a in
                try await withServerProcess(database: database, directory: directory.appendingPathComponent("b"), grpcPort: portB) { _ in
                    var configuration = try InventoryClientConfiguration(target: "\(serverA),\(serverB)")
                    #expect(configuration.servers.map(\.description) == [serverA, serverB])
                    configuration.credential = try await TestDevices(database: database, port: portA)
                        .token("door-1", role: .door, hall: "main")
                    let door = Door(hallID: "main", staffID: "staff-1", terminalID: "door-1")
                    try await withInventoryClient(configuration) { client in
                        let first = try await client.markCheckedIn(codes[0], at: door, scanID: "door-1-scan-1")
                        #expect(first.result == .success)
                        #expect(client.connectionState.server == serverA, "the first server answers while it can")

                        try a.send(SIGKILL)
                        _ = try await a.waitForExit(within: .seconds(5))
                        // The next scan: one attempt at the dead server, then the other,
                        // all inside the 1.5 s scan deadline (else this throws).
                        let second = try await client.markCheckedIn(codes[1], at: door, scanID: "door-1-scan-2")
                        #expect(second.result == .success, "\(second.verdict.message)")
                        #expect(client.connectionState.server == serverB, "the status names the server that answered")
                        #expect(client.connectionState.status == .online)

                        // The scan id from the first server, sent again: the second server
                        // replays that admission, never a DUPLICATE against it.
                        let again = try await client.markCheckedIn(codes[0], at: door, scanID: "door-1-scan-1")
                        #expect(again.result == .success && again.replayed)
                        let third = try await client.markCheckedIn(codes[2], at: door, scanID: "door-1-scan-3")
                        #expect(third.result == .success && client.connectionState.server == serverB, "it stays on the server that answers")
                    }
                }
            }
            try await withClient(database) { client in
                let rows = try await client.query(
                    "SELECT count(*) FROM seat_history WHERE action = 'CHECK_IN'", logger: TestCluster.logger
                ).collect()
                #expect(try rows.first?.decode(Int64.self) == 3, "three guests, each admitted once")
            }
        }

        /// Every server down: the scan is NOT CHECKED (no answer) within its deadline,
        /// and the error names the servers.
        @Test func noServerAnsweringIsNoAnswer() async throws {
            let (portA, portB) = (try freePort(), try freePort())
            var configuration = try InventoryClientConfiguration(target: "127.0.0.1:\(portA),127.0.0.1:\(portB)")
            configuration.credential = "unused"
            try await withInventoryClient(configuration) { client in
                do {
                    _ = try await client.markCheckedIn(
                        "U1.x", at: Door(hallID: "main", staffID: "s", terminalID: "t"), scanID: "scan-1")
                    Issue.record("answered with no server running")
                } catch let error as InventoryClientError {
                    #expect([.unreachable, .deadlineExceeded, .circuitOpen].contains(error.kind), "\(error)")
                }
            }
        }

        @Test func serverListsAreParsedAndChecked() throws {
            let configuration = try InventoryClientConfiguration(target: "db1.venue:50051, [::1]:50052")
            #expect(configuration.servers == [Endpoint(host: "db1.venue", port: 50051), Endpoint(host: "::1", port: 50052)])
            #expect(configuration.target == "db1.venue:50051,[::1]:50052")
            for bad in ["a:1,", "a:1,a:1", "a:1,b", ""] {
                #expect(throws: InventoryClientError.self, "\(bad)") { try InventoryClientConfiguration(target: bad) }
            }
            #expect(EnrollmentCode.isServerAddress("a.venue:50051,b.venue:50051"))
            #expect(!EnrollmentCode.isServerAddress("a.venue:50051,"))
            let code = EnrollmentCode(
                server: "a.venue:50051,b.venue:50051", secret: DeviceSecret.random(), fingerprint: CertificateFingerprint(der: [1, 2, 3]))
            #expect(try EnrollmentCode(parsing: code.text).server == "a.venue:50051,b.venue:50051")
        }
    }
}
