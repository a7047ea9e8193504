import Foundation
import GRPCCore
import InventoryProto
import Testing
import UsherCore

@testable import InventoryEvents
@testable import InventoryServer

extension ExternalPrograms {
    /// Hold expiry through a real RabbitMQ broker (started by the tests on loopback):
    /// the dead-letter path releases holds on time, and only the hold a message was
    /// sent for.
    @Suite("Hold expiry through RabbitMQ dead-lettering", .serialized, .timeLimit(.minutes(5)))
    struct DeadLetterExpiryTests {
        /// Each test gets its own names on the shared broker.
        static func configuration(_ broker: TestBroker, prefix: String = "t-\(UUID().uuidString.prefix(8))") throws
            -> DeadLetterHoldExpiry.Configuration
        {
            var configuration = DeadLetterHoldExpiry.Configuration(
                endpoint: try AMQPEndpoint(url: broker.url), topology: try HoldExpiryTopology(prefix: prefix))
            configuration.maximumBackoff = .seconds(1)
            return configuration
        }

        /// No sweep after the first one at start-up: only the broker can release a hold.
        static let sweeperOff: Duration = .seconds(3600)

        static func status(_ server: TestServer, _ seat: String) async throws -> Inventory_SeatStatus {
            try await server.seat(seat).status
        }

        static func expiries(_ server: TestServer, _ seat: String, path: String = "dead-letter") async throws -> Int64 {
            try await server.count(
                "SELECT count(*) FROM seat_history WHERE seat_id = \(seat) AND action = 'EXPIRE' AND detail = \("expired (\(path))")")
        }

        @Test func aTwoSecondHoldIsReleasedThroughTheDeadLetterPath() async throws {
            try await withTestBroker { broker in
                try await withTestServer(sweepInterval: Self.sweeperOff, amqp: try Self.configuration(broker)) { server in
                    let placed = ContinuousClock.now
                    try await server.reserve("gala.stalls.A.1", by: "alice", holdSeconds: 2)
                    try await eventually("the hold released through the broker", timeout: .seconds(8)) {
                        try await Self.status(server, "gala.stalls.A.1") == .available
                    }
                    #expect(ContinuousClock.now - placed >= .seconds(2), "not before its time")
                    #expect(try await Self.expiries(server, "gala.stalls.A.1") == 1)
                    let (_, ready) = try await server.http("/readyz")
                    #expect(ready.contains("amqp publisher: connected"), "\(ready)")
                    #expect(ready.contains("amqp consumer: connected"), "\(ready)")
                }
            }
        }

        @Test func staleMessagesReleaseNothing() async throws {
            try await withTestBroker { broker in
                try await withTestServer(sweepInterval: Self.sweeperOff, amqp: try Self.configuration(broker)) { server in
                    // Paid for before the hold ran out.
                    try await server.reserve("gala.stalls.A.2", by: "alice", holdSeconds: 2)
                    try await server.confirm("gala.stalls.A.2", by: "alice")
                    // Released, then held again by someone else for longer.
                    try await server.reserve("gala.stalls.A.3", by: "bob", holdSeconds: 2)
                    try await server.release("gala.stalls.A.3", by: "bob")
                    try await server.reserve("gala.stalls.A.3", by: "carol", holdSeconds: 60)
                    // A control hold that does expire, so we know the messages came through.
                    try await server.reserve("gala.stalls.A.4", by: "dave", holdSeconds: 2)
                    try await eventually("gala.stalls.A.4 available", timeout: .seconds(8)) { try await Self.status(server, "gala.stalls.A.4") == .available }
                    try await Task.sleep(for: .seconds(1))
                    #expect(try await Self.status(server, "gala.stalls.A.2") == .sold)
                    let seat = try await server.seat("gala.stalls.A.3")
                    #expect(seat.status == .held && seat.heldByUserID == "carol")
                    #expect(try await Self.expiries(server, "gala.stalls.A.2") == 0)
                    #expect(try await Self.expiries(server, "gala.stalls.A.3") == 0)
                }
            }
        }

        @Test func aDuplicateDeliveryReleasesOnce() async throws {
            try await withTestBroker { broker in
                let configuration = try Self.configuration(broker)
                try await withTestServer(sweepInterval: Self.sweeperOff, amqp: configuration) { server in
                    let hold = try await server.reserve("gala.stalls.B.1", by: "alice", holdSeconds: 2)
                    // The same announcement once more, as a redelivery or a retried publish would.
                    let state = AMQPLinkState(endpoint: broker.url)
                    let extra = PublisherLink(configuration: configuration, state: state, logger: TestCluster.logger)
                    extra.start()
                    let outcome = await extra.publish(
                        HoldExpiryMessage(seatID: "gala.stalls.B.1", holdToken: hold.seat.revision, heldUntil: hold.heldUntil.date))
                    await extra.stop()
                    guard case .confirmed = outcome else {
                        Issue.record("the duplicate was not published: \(outcome)")
                        return
                    }
                    try await eventually("gala.stalls.B.1 available", timeout: .seconds(8)) { try await Self.status(server, "gala.stalls.B.1") == .available }
                    // Both messages have had their time; one release.
                    try await Task.sleep(for: .seconds(1))
                    #expect(try await Self.expiries(server, "gala.stalls.B.1") == 1)
                    #expect(try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = 'gala.stalls.B.1'") == 2)
                }
            }
        }

        @Test func aReservationSucceedsWithTheBrokerDownAndTheSweepReleasesIt() async throws {
            try await withTestBroker { broker in
                try await withTestServer(sweepInterval: .milliseconds(200), amqp: try Self.configuration(broker)) { server in
                    try await eventually("amqp publisher connected", timeout: .seconds(10)) {
                        try await server.http("/readyz").1.contains("amqp publisher: connected")
                    }
                    await broker.stop()
                    let hold = try await server.reserve("gala.stalls.A.5", by: "alice", holdSeconds: 1)
                    #expect(hold.seat.status == .held, "the reservation stands without the broker")
                    try await eventually("gala.stalls.A.5 available", timeout: .seconds(8)) { try await Self.status(server, "gala.stalls.A.5") == .available }
                    #expect(try await Self.expiries(server, "gala.stalls.A.5", path: "sweep") == 1)
                    let (status, ready) = try await server.http("/readyz")
                    #expect(status == 200, "the database is fine, so the server is ready")
                    #expect(ready.contains("amqp publisher: down"), "\(ready)")
                    let (_, metrics) = try await server.http("/metrics")
                    #expect(metrics.contains("usher_hold_expiry_published_total{outcome=\"failed\"}"))
                    #expect(metrics.contains("usher_amqp_connected{link=\"publisher\"} 0"), "\(metrics.split(separator: "\n").filter { $0.contains("amqp") })")
                }
            }
        }

        @Test func theConsumerReconnectsAfterABrokerRestart() async throws {
            try await withTestBroker { broker in
                try await withTestServer(sweepInterval: Self.sweeperOff, amqp: try Self.configuration(broker)) { server in
                    try await server.reserve("gala.stalls.A.6", by: "alice", holdSeconds: 2)
                    try await eventually("gala.stalls.A.6 available", timeout: .seconds(8)) { try await Self.status(server, "gala.stalls.A.6") == .available }

                    await broker.stop()
                    try await eventually("amqp consumer down", timeout: .seconds(15)) {
                        try await server.http("/readyz").1.contains("amqp consumer: down")
                    }
                    try await broker.start()
                    // Both links come back without a server restart.
                    try await eventually("both amqp links connected again", timeout: .seconds(20)) {
                        let ready = try await server.http("/readyz").1
                        return ready.contains("amqp consumer: connected") && ready.contains("amqp publisher: connected")
                    }

                    try await server.reserve("gala.stalls.A.7", by: "bob", holdSeconds: 2)
                    try await eventually("gala.stalls.A.7 available", timeout: .seconds(8)) { try await Self.status(server, "gala.stalls.A.7") == .available }
                    #expect(try await Self.expiries(server, "gala.stalls.A.7") == 1)
                }
            }
        }

        @Test func aBrokerThatCannotStartFailsLoudly() async throws {
            // Its AMQP port is taken: the node cannot boot, and the launcher says so.
            let (fd, taken) = try boundSocket()
            defer { close(fd) }
            #expect(listen(fd, 1) == 0)
            let error = await #expect(throws: TestFailure.self) { _ = try await TestBroker.start(amqpPort: taken) }
            #expect(error?.description.contains("RabbitMQ did not start") == true, "\(String(describing: error))")
        }
    }
}
