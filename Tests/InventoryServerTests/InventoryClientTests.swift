import Foundation
import InventoryClient
import InventoryProto
import ScanModel
import PostgresNIO
import Synchronization
import Testing
import UsherCore

@testable import InventoryServer

/// The client library against the real server on a real PostgreSQL.
@Suite("InventoryClient against the server", .timeLimit(.minutes(5)))
struct InventoryClientIntegrationTests {
    static let door = Door(hallID: "main", staffID: "staff-1", terminalID: "door-7")

    /// A client for `server` presenting the credential of the admin device named
    /// for ``door``'s terminal (scans and box-office calls alike).
    func configuration(
        _ server: TestServer, security: InventoryClientConfiguration.Security = .plaintext
    ) async throws -> InventoryClientConfiguration {
        InventoryClientConfiguration(
            host: "localhost", port: server.endpoints.grpcPort, security: security,
            credential: try await server.devices.token(Self.door.terminalID))
    }

    @Test func everyCallMapsBothWays() async throws {
        try await withTestServer { server in
            try await withInventoryClient(try await configuration(server)) { client in
                #expect(try await client.health())
                let keys = try await client.verificationKeys()
                #expect(keys.map(\.keyID) == [TestKeys.signer.keyID])

                let seat = "gala.stalls.A.1"
                let initial = try await client.seat(seat)
                #expect(initial.state == .available && initial.hallID == "main" && initial.row == "A" && initial.number == 1)
                let hold = try await client.reserveSeat(seat, for: "alice", holdSeconds: 120)
                guard case .held(let holder, let until) = hold.seat.state else { throw TestFailure("not held: \(hold.seat.state)") }
                #expect(holder == "alice" && abs(until.timeIntervalSince(hold.heldUntil)) < 0.001)
                #expect(try await client.releaseSeat(seat, for: "alice", reason: "changed mind").state == .available)
                _ = try await client.reserveSeat(seat, for: "alice")
                let sold = try await client.confirmSeat(seat, for: "alice", orderID: "o-1")
                #expect(sold.seat.state.ownerUserID == "alice")
                #expect(try TicketCode.verify(sold.ticketCode, keyring: TestKeys.keyring).get().seatID == seat)
                let moved = try await client.updateOwner(seat, from: "alice", to: "bob")
                #expect(moved.seat.state.ownerUserID == "bob" && moved.ticketCode != sold.ticketCode)

                let verified = try await client.verifyTicket(moved.ticketCode, at: Self.door)
                #expect(verified.result == .success && verified.verdict.reason == .valid && verified.hallName == "Main Hall")
                let admitted = try await client.markCheckedIn(moved.ticketCode, at: Self.door, scanID: "client-scan-1")
                #expect(admitted.result == .success && admitted.checkedInAt != nil && !admitted.replayed)
                guard case .checkedIn(_, _, let checkIn)? = admitted.seat?.state else { throw TestFailure("not checked in") }
                #expect(checkIn.terminalID == "door-7")
                let again = try await client.markCheckedIn(moved.ticketCode, at: Self.door, scanID: "client-scan-2")
                #expect(again.result == .duplicate && again.verdict.firstCheckIn?.terminalID == "door-7")
                let revoked = try await client.verifyTicket(sold.ticketCode, at: Self.door)
                #expect(revoked.result == .notFound && revoked.verdict.reason == .revokedByTransfer)

                // Errors come back typed, with the server's own sentence.
                await expectClientError(.notFound) { _ = try await client.seat("no.such.seat") }
                await expectClientError(.rejected) { _ = try await client.reserveSeat(seat, for: "carol") }
                await expectClientError(.invalidRequest) { _ = try await client.reserveSeat("bad id", for: "carol") }
            }
        }
    }

    /// The one scan flow, end to end without a screen: the door model makes the
    /// scan and asks for checks, the client carries exactly that scan to the real
    /// server, and the answer goes back to the model by the scan's id.
    @Test func doorScanModesThroughTheModel() async throws {
        try await withTestServer { server in
            try await withInventoryClient(try await configuration(server)) { client in
                var door = DoorState(
                    settings: DoorSettings(
                        server: "test", hallID: Self.door.hallID, staffID: Self.door.staffID,
                        terminalID: Self.door.terminalID, mode: .confirm),
                    width: 80, height: 24, now: Date(), session: UUID().uuidString.lowercased())
                let code = try await server.sell("gala.stalls.A.2", to: "alice")
                // Confirm mode: the scan is verified first, nothing admitted.
                var effects = try await Self.scan(code, into: &door, client: client)
                guard case .preview(let preview, let scan) = door.banner else {
                    Issue.record("no preview: \(door.banner)")
                    return
                }
                #expect(preview.result == .success)
                #expect(try await server.seat("gala.stalls.A.2").status == .sold)
                // Enter admits the same scan: the same id goes to MarkCheckedIn.
                effects = door.update(.key(.enter, at: .now))
                #expect(effects.contains(.check(scan, admit: true)))
                try await Self.perform(effects, on: &door, client: client)
                guard case .verdict(let admitted, true, _) = door.banner else {
                    Issue.record("not admitted: \(door.banner)")
                    return
                }
                #expect(admitted.result == .success && admitted.scanID == scan.id)
                #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE scan_id = \(scan.id) AND replay_of IS NULL") == 1)
                // A second read of the same code after a verdict is a new scan: DUPLICATE.
                _ = door.update(.key(.escape, at: .now))
                effects = try await Self.scan(code, into: &door, client: client)
                guard case .verdict(let again, false, _) = door.banner else {
                    Issue.record("no verdict: \(door.banner)")
                    return
                }
                #expect(again.result == .duplicate)
                // Auto mode admits on the spot, under the scan's own id.
                _ = door.update(.key(.escape, at: .now))
                door.mode = .auto
                let other = try await server.sell("gala.stalls.A.3", to: "bob")
                _ = try await Self.scan(other, into: &door, client: client)
                guard case .verdict(let auto, true, _) = door.banner else {
                    Issue.record("auto mode did not admit: \(door.banner)")
                    return
                }
                #expect(auto.result == .success && auto.scanID == door.current?.id)
            }
        }
    }

    /// Types `code` as a scanner would and carries out the checks the model asks for.
    @discardableResult
    static func scan(_ code: String, into door: inout DoorState, client: InventoryClient) async throws -> [DoorEffect] {
        let start = ContinuousClock.now
        var effects: [DoorEffect] = []
        for (index, character) in code.enumerated() {
            effects += door.update(.key(.character(character), at: start + .milliseconds(index)))
        }
        effects += door.update(.key(.enter, at: start + .milliseconds(code.count)))
        try await perform(effects, on: &door, client: client)
        return effects
    }

    static func perform(_ effects: [DoorEffect], on door: inout DoorState, client: InventoryClient) async throws {
        for case .check(let scan, let admit) in effects {
            let report =
                admit
                ? try await client.markCheckedIn(scan.code, at: Self.door, scanID: scan.id)
                : try await client.verifyTicket(scan.code, at: Self.door)
            _ = door.update(.checked(scanID: scan.id, admission: admit, outcome: .success(report), latency: .zero, at: .now))
        }
    }

    /// The first attempt gets no answer in time (the database is slow to commit,
    /// past the server's 1.5 s call bound; the admission lands anyway). The client
    /// retries with the same scan_id and must show the replayed SUCCESS, not
    /// DUPLICATE. (Timing as in retryAfterALostReply...: the COMMIT takes 2.25 s,
    /// under the 3 s statement_timeout.)
    @Test func lostReplyIsRetriedIntoItsOwnSuccess() async throws {
        try await withTestServer(callTimeout: .milliseconds(1500)) { server in
            var config = try await configuration(server)
            // 4 s per attempt: longer than the server's bound, so the server answers first.
            config.deadlines.scan = .seconds(12)
            config.retry = RetryPolicy(maximumAttempts: 10, attemptShare: 0.34)
            try await withInventoryClient(config) { client in
                let code = try await server.sell("gala.stalls.B.1", to: "alice")
                try await server.delayAdmissionCommits(seconds: 2.25)
                let report = try await client.markCheckedIn(code, at: Self.door, scanID: UUID().uuidString.lowercased())
                #expect(report.result == .success, "\(report.verdict.message)")
                #expect(report.replayed, "the answer came from the retry, replaying the first attempt's commit")
                #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE result = 'SUCCESS' AND replay_of IS NULL") == 1)
            }
        }
    }

    @Test func serverDownOpensTheBreakerAndRecovers() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        // Outside the ephemeral range, so no outgoing connection takes it while the server is away.
        let port = try freePort()
        let token = Mutex("")
        try await withTestServer(database: database, grpcPort: port) { server in
            _ = try await server.seat("gala.stalls.A.1")
            let enrolled = try await server.devices.token(Self.door.terminalID)
            token.withLock { $0 = enrolled }
        }
        // The server is gone: nothing listens on `port`.
        var config = InventoryClientConfiguration(host: "localhost", port: port, credential: token.withLock { $0 })
        config.breaker = .init(failureThreshold: 2, openDuration: .seconds(1))
        config.deadlines.read = .milliseconds(800)
        config.deadlines.write = .milliseconds(800)
        try await withInventoryClient(config) { client in
            var states = client.connectionStates.makeAsyncIterator()
            #expect(await states.next()?.status == .online)

            let started = ContinuousClock.now
            let down = await clientError { _ = try await client.seat("gala.stalls.A.1") }
            #expect(down?.kind == .unreachable || down?.kind == .deadlineExceeded, "\(String(describing: down)) \(String(describing: down?.kind))")
            #expect(down?.userMessage == "server unreachable at localhost:\(port)" || down?.userMessage == "deadline exceeded after 0.8 s")
            #expect(ContinuousClock.now - started < .seconds(2), "fails within its deadline")
            #expect((down?.attempts ?? 0) > 1, "reads are retried")

            // Threshold reached: open, and calls fail fast.
            #expect(client.connectionState.status == .offline)
            let fast = ContinuousClock.now
            let rejected = await clientError { _ = try await client.seat("gala.stalls.A.1") }
            #expect(rejected?.kind == .circuitOpen && rejected?.attempts == 0)
            #expect(ContinuousClock.now - fast < .milliseconds(100))

            // The server comes back on the same port; after the cool-down a probe closes the breaker.
            try await withTestServer(database: database, venue: "", grpcPort: port) { _ in
                try await Task.sleep(for: .seconds(1))
                try await eventually("breaker closes once the server answers") {
                    (try? await client.seat("gala.stalls.A.1")) != nil
                }
                #expect(client.connectionState.status == .online)
                #expect(client.connectionState.lastLatency != nil)
            }
            var seen: [ConnectionState.Status] = []
            while let state = await states.next() {
                seen.append(state.status)
                if state.status == .online && seen.contains(.offline) { break }
            }
            #expect(seen.contains(.offline) && seen.last == .online, "\(seen)")
        }
    }

    /// With the server gone and the breaker out of the way, a read is retried but
    /// ReserveSeat, ReleaseSeat, ConfirmSeat and UpdateOwner get exactly one attempt.
    @Test func mutationsAreNeverRetried() async throws {
        let firstPort = Mutex(0)
        try await withTestServer { server in
            _ = try await server.seat("gala.stalls.A.1")
            firstPort.withLock { $0 = server.endpoints.grpcPort }
        }
        var config = InventoryClientConfiguration(host: "localhost", port: firstPort.withLock { $0 })
        config.breaker = .init(failureThreshold: 1000)
        config.deadlines.read = .seconds(1)
        config.deadlines.write = .seconds(1)
        try await withInventoryClient(config) { client in
            let read = await clientError { _ = try await client.seat("gala.stalls.A.1") }
            #expect(read?.kind == .unreachable && (read?.attempts ?? 0) > 1, "\(String(describing: read))")
            let writes: [(String, () async throws -> Void)] = [
                ("reserve", { _ = try await client.reserveSeat("gala.stalls.A.1", for: "x") }),
                ("release", { _ = try await client.releaseSeat("gala.stalls.A.1", for: "x") }),
                ("confirm", { _ = try await client.confirmSeat("gala.stalls.A.1", for: "x", orderID: "o") }),
                ("transfer", { _ = try await client.updateOwner("gala.stalls.A.1", from: "x", to: "y") }),
            ]
            for (name, write) in writes {
                let error = await clientError(write)
                #expect(error?.kind == .unreachable && error?.attempts == 1, "\(name): \(String(describing: error))")
            }
        }
    }

    @Test func tlsRoundTripAndClearFailures() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await withTestServer(tls: certificates) { server in
            try await withInventoryClient(try await configuration(server, security: .tls(caCertificate: certificates.ca))) { client in
                #expect(try await client.health())
                let code = try await server.sell("gala.stalls.A.4", to: "alice")
                #expect(try await client.verifyTicket(code, at: Self.door).result == .success)
            }
            var wrongCA = try await configuration(server, security: .tls(caCertificate: certificates.otherCA))
            wrongCA.retry = .none
            try await withInventoryClient(wrongCA) { client in
                let error = await clientError { _ = try await client.health() }
                #expect(error?.kind == .tlsUntrusted, "\(String(describing: error))")
                #expect(error?.userMessage == "TLS handshake failed: the server's certificate is not trusted by the CA given")
            }
            var plaintext = try await configuration(server)
            plaintext.retry = .none
            try await withInventoryClient(plaintext) { client in
                let error = await clientError { _ = try await client.health() }
                #expect(error?.kind == .plaintextToTLS, "\(String(describing: error))")
                #expect(error?.userMessage.contains("plaintext client talking to a TLS server") == true)
                #expect(error?.userMessage.contains("preface") == false)
            }
        }
    }

    @Test func mutualTLSNeedsTheClientCertificate() async throws {
        let certificates = try await TestCertificates.make(requireClientCertificates: true)
        defer { certificates.remove() }
        try await withTestServer(tls: certificates) { (server: TestServer) async throws in
            let withCertificate = try await configuration(
                server,
                security: .tls(
                    caCertificate: certificates.ca,
                    clientCertificate: .init(certificateChain: certificates.clientCertificate, privateKey: certificates.clientKey)))
            try await withInventoryClient(withCertificate) { (client: InventoryClient) async throws in
                #expect(try await client.health())
            }
            var without = try await configuration(server, security: .tls(caCertificate: certificates.ca))
            without.retry = .none
            try await withInventoryClient(without) { client in
                let error = await clientError { _ = try await client.health() }
                #expect(error?.kind == .tlsFailed, "a client without a certificate must be refused")
                #expect(error?.userMessage == "TLS handshake failed: the server requires a client certificate")
            }
        }
    }

    @Test func cancellationPropagates() async throws {
        try await withTestServer { server in
            try await withInventoryClient(try await configuration(server)) { client in
                let seat = "gala.stalls.B.2"
                let code = try await server.sell(seat, to: "alice")
                try await withClient(server.database) { database in
                    try await database.withTransaction(logger: TestCluster.logger) { connection in
                        try await connection.query("SELECT 1 FROM seats WHERE seat_id = \(seat) FOR UPDATE", logger: TestCluster.logger)
                        let scan = Task { try await client.markCheckedIn(code, at: Self.door, scanID: "cancel-1") }
                        try await Task.sleep(for: .milliseconds(200))
                        let cancelled = ContinuousClock.now
                        scan.cancel()
                        let result = await scan.result
                        #expect(ContinuousClock.now - cancelled < .milliseconds(500), "cancellation is prompt")
                        guard case .failure(let error) = result, let clientError = error as? InventoryClientError else {
                            Issue.record("expected a cancelled error, got \(result)")
                            return
                        }
                        #expect(clientError.kind == .cancelled)
                    }
                }
            }
        }
    }
}

func clientError(_ body: () async throws -> Void) async -> InventoryClientError? {
    do {
        try await body()
        return nil
    } catch let error as InventoryClientError {
        return error
    } catch {
        Issue.record("not an InventoryClientError: \(error)")
        return nil
    }
}

func expectClientError(_ kind: InventoryClientError.Kind, _ body: () async throws -> Void) async {
    let error = await clientError(body)
    #expect(error?.kind == kind, "\(String(describing: error))")
    #expect(error?.userMessage.isEmpty == false)
}
