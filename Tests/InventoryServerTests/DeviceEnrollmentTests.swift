import Foundation
import InventoryClient
import InventoryProto
import InventoryStore
import PostgresNIO
import Testing
import UsherCore

@testable import InventoryServer

/// Devices enroll as a terminal would: `devices add`'s store operation, then
/// EnrollDevice over TLS pinned to the server's own self-signed certificate.
@Suite("Device enrollment", .timeLimit(.minutes(5)))
struct DeviceEnrollmentTests {
    @Test func aCodeEnrollsOnceOverPinnedTLSAndOnlyDigestsAreKept() async throws {
        let tls = try TestCertificates.selfSigned()
        defer { tls.remove() }
        try await withTestServer(tls: tls) { server in
            let grant = try await server.addDevice(try DeviceIdentity(name: "door-north", role: .door, hallID: "main"))
            let code = server.enrollmentCode(grant, fingerprint: tls.selfSigned!)

            let credential = try await InventoryClient.enroll(code)
            #expect(credential.name == "door-north" && credential.role == .door && credential.hall == "main")
            #expect(credential.fingerprint == tls.selfSigned && credential.server == code.server)
            #expect(DeviceSecret.isWellFormed(credential.token) && credential.token != grant.secret)

            // The store has the token's and the code's digests, never either secret.
            let dump = try await server.devicesDump()
            #expect(!dump.contains(credential.token) && !dump.contains(grant.secret))
            #expect(
                try await server.count(
                    "SELECT count(*) FROM devices WHERE token_sha256 = \(Data(DeviceSecret.digest(credential.token)))") == 1)
            let found = try await server.withStore { try await $0.device(token: credential.token) }
            #expect(found == (try DeviceIdentity(name: "door-north", role: .door, hallID: "main")))

            // A second use changes nothing and says why.
            let before = try await server.devicesDump()
            let again = await clientError { _ = try await InventoryClient.enroll(code) }
            #expect(again?.kind == .unauthenticated)
            #expect(again?.userMessage.contains("already used (device door-north)") == true, "\(String(describing: again))")
            #expect(try await server.devicesDump() == before)
        }
    }

    @Test func unknownAndExpiredCodesAreRefusedAndChangeNothing() async throws {
        let tls = try TestCertificates.selfSigned()
        defer { tls.remove() }
        try await withTestServer(tls: tls) { server in
            let grant = try await server.addDevice(try DeviceIdentity(name: "sup-1", role: .supervisor, hallID: nil))
            let before = try await server.devicesDump()

            var unknown = server.enrollmentCode(grant, fingerprint: tls.selfSigned!)
            unknown.secret = DeviceSecret.random()
            let refused = await clientError { _ = try await InventoryClient.enroll(unknown) }
            #expect(refused?.kind == .unauthenticated && refused?.userMessage.hasSuffix("unknown enrollment code") == true)

            _ = try await server.count("UPDATE devices SET enrollment_expires_at = now() - interval '1 second' RETURNING 0::bigint")
            let expiredBefore = try await server.devicesDump()
            let expired = await clientError { _ = try await InventoryClient.enroll(server.enrollmentCode(grant, fingerprint: tls.selfSigned!)) }
            #expect(expired?.kind == .unauthenticated)
            #expect(expired?.userMessage.contains("expired at") == true && expired?.userMessage.contains("devices roll sup-1") == true)
            #expect(try await server.devicesDump() == expiredBefore)
            #expect(before != expiredBefore, "the expiry itself was written by the test")
        }
    }

    /// The code names our server's fingerprint; a server with another certificate
    /// (an impostor on the venue network, say) gets no secret: the handshake fails
    /// before any request is sent, and the code still works on the real server.
    @Test func aTamperedFingerprintIsRefusedBeforeTheSecretIsSent() async throws {
        let tls = try TestCertificates.selfSigned()
        defer { tls.remove() }
        try await withTestServer(tls: tls) { server in
            let grant = try await server.addDevice(try DeviceIdentity(name: "door-east", role: .door, hallID: "main"))
            var tampered = server.enrollmentCode(grant, fingerprint: tls.selfSigned!)
            var bytes = tampered.fingerprint.bytes
            bytes[0] ^= 1
            tampered.fingerprint = CertificateFingerprint(hex: bytes.map { String(format: "%02x", $0) }.joined())!
            let refused = await clientError { _ = try await InventoryClient.enroll(tampered) }
            #expect(refused?.kind == .tlsUntrusted, "\(String(describing: refused))")
            #expect(refused?.userMessage.contains("not the one this device pinned") == true)
            #expect(try await server.count("SELECT count(*) FROM devices WHERE name = 'door-east' AND enrolled_at IS NOT NULL") == 0)

            let credential = try await InventoryClient.enroll(server.enrollmentCode(grant, fingerprint: tls.selfSigned!))
            #expect(credential.name == "door-east")
        }
    }

    /// A credential in use, then revoked: the server remembers confirmed credentials
    /// for a second (CredentialCache), so the refusal comes within that, not at once;
    /// it must come, and stay.
    @Test func revokingACredentialInUseEndsItWithinTheCacheSecond() async throws {
        try await withTestServer { server in
            let door = try await server.devices.metadata("door-revoked-live", role: .supervisor)
            let request = Inventory_GetHallOccupancyRequest()
            _ = try await server.inventory.getHallOccupancy(request, metadata: door)  // confirmed and remembered
            let revokedAt = ContinuousClock.now
            _ = try await server.withStore { try await $0.revokeDevice(named: "door-revoked-live") }
            let (_, after) = try await waitUntil("the revoked credential refused", within: .seconds(10), every: .milliseconds(50)) {
                await rpcCode { _ = try await server.inventory.getHallOccupancy(request, metadata: door) }
            } until: { $0 == .unauthenticated }
            #expect(revokedAt.duration(to: .now) >= after)
            for _ in 0..<3 {
                #expect(await rpcCode { _ = try await server.inventory.getHallOccupancy(request, metadata: door) } == .unauthenticated)
            }
        }
    }

    @Test func revokeEndsACredentialAndRollIssuesANewOne() async throws {
        let tls = try TestCertificates.selfSigned()
        defer { tls.remove() }
        try await withTestServer(tls: tls) { server in
            let identity = try DeviceIdentity(name: "box-1", role: .boxOffice, hallID: nil)
            let first = try await InventoryClient.enroll(
                server.enrollmentCode(try await server.addDevice(identity), fingerprint: tls.selfSigned!))
            #expect(try await server.withStore { try await $0.device(token: first.token) } == identity)

            let revoked = try await server.withStore { try await $0.revokeDevice(named: "box-1") }
            #expect(revoked.standing == .revoked && revoked.revokedAt != nil)
            #expect(await storeError { _ = try await server.withStore { try await $0.device(token: first.token) } } == .unauthenticated("device box-1 is revoked"))

            // Roll: reinstated with a new code; the old token stays dead.
            let rolled = try await server.withStore { try await $0.rollDevice(named: "box-1") }
            let second = try await InventoryClient.enroll(server.enrollmentCode(rolled, fingerprint: tls.selfSigned!))
            #expect(second.token != first.token)
            #expect(await storeError { _ = try await server.withStore { try await $0.device(token: first.token) } } == .unauthenticated("unknown device credential"))
            #expect(try await server.withStore { try await $0.device(token: second.token) } == identity)

            let listed = try await server.withStore { try await $0.devices() }.filter { !$0.identity.name.hasPrefix("test-admin-") }
            #expect(listed.map(\.identity.name) == ["box-1"] && listed.first?.standing == .enrolled)
            #expect(listed.first?.lastSeenAt != nil, "authenticating marks the device seen")
        }
    }

    @Test func addingRefusesTakenNamesAndUnknownHalls() async throws {
        try await withTestServer { server in
            _ = try await server.addDevice(try DeviceIdentity(name: "door-1", role: .door, hallID: "main"))
            let taken = await storeError { _ = try await server.addDevice(try DeviceIdentity(name: "door-1", role: .admin, hallID: nil)) }
            #expect(taken == .alreadyExists("a device named door-1 exists; `devices roll door-1` gives it a new enrollment code"))
            let nowhere = await storeError { _ = try await server.addDevice(try DeviceIdentity(name: "door-2", role: .door, hallID: "attic")) }
            #expect(nowhere == .notFound("hall attic does not exist"))
            #expect(try await server.count("SELECT count(*) FROM devices WHERE name NOT LIKE 'test-admin-%'") == 1)
            let unknownRoll = await storeError { _ = try await server.withStore { try await $0.rollDevice(named: "ghost") } }
            #expect(unknownRoll == .notFound("device ghost does not exist"))
        }
    }
}

extension TestServer {
    /// A store on the test's database, as the `devices` commands use one.
    func withStore<T: Sendable>(_ body: @escaping @Sendable (InventoryStore) async throws -> T) async throws -> T {
        try await withClient(database) { client in
            try await body(InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring))
        }
    }

    /// `devices add`, through the store operation the command runs.
    func addDevice(_ device: DeviceIdentity) async throws -> EnrollmentGrant {
        try await withStore { try await $0.addDevice(device) }
    }

    /// The code `devices add` would print for this server.
    func enrollmentCode(_ grant: EnrollmentGrant, fingerprint: CertificateFingerprint) -> EnrollmentCode {
        EnrollmentCode(server: "localhost:\(endpoints.grpcPort)", secret: grant.secret, fingerprint: fingerprint)
    }

    /// Every devices row as text, digests included: equal dumps mean nothing was written.
    func devicesDump() async throws -> String {
        try await withClient(database) { client in
            let rows = try await client.query(
                "SELECT coalesce(string_agg(d::text, E'\\n' ORDER BY device_id), '') FROM devices d", logger: TestCluster.logger
            ).collect()
            return try rows.first?.decode(String.self) ?? ""
        }
    }
}

/// The StoreError `body` threw, or nil.
func storeError(_ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return .internalError("\(error)")
    }
}
