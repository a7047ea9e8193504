import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Testing

extension LoadAndFaults {
    /// Exactly-once admission across server processes: every door scans every ticket,
    /// at the same time as every other door, and each ticket admits once.
    @Suite("Exactly once across server processes", .timeLimit(.minutes(10)))
    struct ExactlyOnceTests {
        static let rounds = 5
        static let ticketsPerRound = 200
        static let doorsPerServer = 8

        /// Two `inventory-server` processes on one database, 8 doors each, 200 sold
        /// tickets a round, 5 rounds: one SUCCESS per ticket, every other scan DUPLICATE,
        /// no error of any status, and one entry_logs row per scan.
        @Test func sixteenDoorsOnTwoServerProcessesAdmitEachTicketOnce() async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-exactly-once-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await withTestServer(database: database, venue: TestVenue.arena) { boxOffice in
                try await withServerProcess(database: database, directory: directory) { first in
                    try await withServerProcess(database: database, directory: directory) { second in
                        let devices = TestDevices(database: database, port: first.grpcPort)
                        for round in 0..<Self.rounds {
                            let seats = TestVenue.arenaSeats(rows: (round * 5)..<(round * 5 + 5))
                            let codes = try await Self.sell(seats, at: boxOffice)
                            let scans = try await RacingDoors(
                                codes: codes, devices: devices, ports: [first.grpcPort, second.grpcPort], doors: 2 * Self.doorsPerServer, deadline: .seconds(10)
                            ).run()
                            let outcome = try await Reconciliation.check(scans, seats: seats, allowedFailures: [], database: database)
                            let logged = try await boxOffice.count(
                                "SELECT count(*) FROM entry_logs WHERE seat_id = ANY(\(seats)) AND action = 'ADMIT'")
                            print("exactly-once round \(round + 1): \(outcome), logged \(logged)")
                            #expect(scans.count == seats.count * 2 * Self.doorsPerServer)
                            #expect(outcome.acknowledged == seats.count, "one SUCCESS per ticket")
                            #expect(outcome.present == seats.count)
                            #expect(outcome.double.isEmpty, "\(outcome.double.prefix(5))")
                            #expect(outcome.wrong.isEmpty, "every other scan DUPLICATE, no error: \(outcome.wrong.prefix(5))")
                            #expect(logged == Int64(scans.count), "one entry_logs row per scan")
                        }
                    }
                }
            }
        }

        /// Sells every seat (8 at a time) and returns the codes in seat order.
        static func sell(_ seats: [String], at server: TestServer) async throws -> [String] {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var codes = [String](repeating: "", count: seats.count)
                for (index, seat) in seats.enumerated() {
                    if index >= 8, let (done, code) = try await group.next() { codes[done] = code }
                    group.addTask { (index, try await server.sell(seat, to: "guest-\(index)")) }
                }
                for try await (done, code) in group { codes[done] = code }
                return codes
            }
        }
    }
}
