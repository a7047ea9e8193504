import Foundation
import InventoryClient
import InventoryProto
import Testing
import UsherCore

@testable import InventoryServer

/// `inventory-server devices …`, the real binary, as an operator runs it.
@Suite("devices command", .timeLimit(.minutes(5)))
struct DevicesCommandTests {
    @Test func addPrintsACodeThatEnrollsAndListShowsTheDevice() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("usher-devices-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        // The server and the command share the data dir, so the code pins the certificate the server serves.
        let files = try ServerCertificate.loadOrCreate(dataDir: dataDir.path, logger: TestCluster.logger)
        let tls = TestCertificates(directory: dataDir, selfSigned: try ServerCertificate.fingerprint(ofPEMFile: files.certificateChain))
        try await withTestServer(tls: tls) { server in
            let url = "postgres://usher@localhost/\(server.database.database!)?host=\(server.socketDirectory)"
            let common = ["--database-url", url, "--data-dir", dataDir.path, "--log-level", "warning"]

            let added = try await runServerBinary(
                ["devices", "add", "door-west", "--role", "door", "--hall", "main", "--json",
                 "--address", "localhost:\(server.endpoints.grpcPort)"] + common)
            #expect(added.status == 0, "\(added.output)")
            let issued = try JSONDecoder().decode([String: String].self, from: Data(added.output.utf8))
            let code = try EnrollmentCode(parsing: issued["code"] ?? "")
            #expect(code.fingerprint == tls.selfSigned, "the code pins the served certificate")
            #expect(issued["name"] == "door-west" && issued["role"] == "door" && issued["hall"] == "main")

            // Text mode prints a QR and the code once.
            let text = try await runServerBinary(["devices", "add", "sup-a", "--role", "supervisor"] + common)
            #expect(text.status == 0 && text.output.contains("▀") && text.output.contains("scan-tui enroll 'usher-enroll:v1?"))

            let credential = try await InventoryClient.enroll(code)
            #expect(credential.name == "door-west" && credential.hall == "main")

            let listed = try await runServerBinary(["devices", "list", "--json"] + common)
            // (The test server's own admin device is listed too; it is not this test's.)
            let lines = listed.output.split(separator: "\n")
                .map { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
                .filter { $0?["name"]?.hasPrefix("test-admin-") != true }
            #expect(lines.map { $0?["name"] } == ["door-west", "sup-a"], "\(listed.output)")
            #expect(lines.map { $0?["standing"] } == ["enrolled", "awaiting enrollment"])

            let revoked = try await runServerBinary(["devices", "revoke", "door-west"] + common)
            #expect(revoked.status == 0 && revoked.output.hasPrefix("revoked door-west at "))
            let table = try await runServerBinary(["devices", "list"] + common)
            let row = table.output.split(separator: "\n").first { $0.hasPrefix("door-west ") }?.split(separator: " ")
            #expect(row?.prefix(4) == ["door-west", "door", "main", "revoked"], "\(table.output)")

            // Refusals are clear and exit non-zero.
            let taken = try await runServerBinary(["devices", "add", "sup-a", "--role", "admin"] + common)
            #expect(taken.status != 0 && taken.output.contains("a device named sup-a exists"))
            let noHall = try await runServerBinary(["devices", "add", "door-x", "--role", "door"] + common)
            #expect(noHall.status != 0 && noHall.output.contains("hall is required for a door"))
            // A code that could not work is refused before anything is written.
            let badAddress = try await runServerBinary(["devices", "add", "door-y", "--role", "door", "--hall", "main", "--address", "nowhere"] + common)
            #expect(badAddress.status != 0 && badAddress.output.contains("--address nowhere is not host:port"))
            let rolledBadly = try await runServerBinary(["devices", "roll", "sup-a", "--address", "nowhere"] + common)
            #expect(rolledBadly.status != 0)
            let after = try await runServerBinary(["devices", "list", "--json"] + common)
            #expect(!after.output.contains("door-y") && after.output.contains("\"name\":\"sup-a\",\"role\":\"supervisor\",\"standing\":\"awaiting enrollment\""), "\(after.output)")
            let badRole = try await runServerBinary(["devices", "add", "x", "--role", "janitor"] + common)
            #expect(badRole.status != 0 && badRole.output.contains("--role must be one of door, supervisor, box-office, admin"))
        }
    }

    /// No plaintext gRPC on the network by accident: refused before anything starts,
    /// naming the flag that allows it; the same rule holds for the app itself.
    @Test func plaintextOffLoopbackIsRefusedAtStart() async throws {
        let refused = try await runServerBinary(["serve", "--plaintext", "--listen-host", "0.0.0.0", "--data-dir", "/nonexistent"])
        #expect(refused.status != 0 && refused.output.contains("--insecure-plaintext"), "\(refused.output)")
        let database = try await TestCluster.shared.freshDatabase()
        let app = InventoryServerApp(
            configuration: .init(listenHost: "0.0.0.0", grpcPort: 0, httpPort: 0, database: database, tls: nil),
            logger: TestCluster.logger)
        await #expect(throws: StartupError.self) { try await app.run() }
    }

    @Test func theServersOwnCertificateIsPrivateAndReused() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("usher-cert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let first = try ServerCertificate.loadOrCreate(dataDir: dataDir.path, logger: TestCluster.logger)
        let fingerprint = try ServerCertificate.fingerprint(ofPEMFile: first.certificateChain)
        var info = stat()
        #expect(stat(first.privateKey, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Made once: a restart serves the same certificate, so enrolled terminals keep their pin.
        let again = try ServerCertificate.loadOrCreate(dataDir: dataDir.path, logger: TestCluster.logger)
        #expect(try ServerCertificate.fingerprint(ofPEMFile: again.certificateChain) == fingerprint)

        chmod(first.privateKey, 0o644)
        #expect(throws: PrivateFiles.PrivateFileError.self) { try ServerCertificate.loadOrCreate(dataDir: dataDir.path, logger: TestCluster.logger) }
        chmod(first.privateKey, 0o600)
        try FileManager.default.removeItem(atPath: first.certificateChain)
        #expect(throws: ServerCertificateError.self) { try ServerCertificate.loadOrCreate(dataDir: dataDir.path, logger: TestCluster.logger) }
        #expect(throws: ServerCertificateError.self) { try ServerCertificate.fingerprint(ofPEMFile: first.privateKey) }
    }
}

/// The contract and the permission table move together: an RPC added to the proto
/// without a row (or a row for an RPC that is gone) fails here.
@Suite("Permission table covers the service")
struct PermissionTableCoverageTests {
    @Test func everyRPCHasExactlyOneRow() {
        let methods = Set(Inventory_InventoryService.Method.descriptors.map(\.method))
        let rows = Set(InventoryOperation.allCases.map(\.rawValue))
        #expect(methods == rows, "in the proto only: \(methods.subtracting(rows)); in the table only: \(rows.subtracting(methods))")
        for operation in InventoryOperation.allCases { #expect(AccessPolicy.table[operation] != nil, "\(operation)") }
    }
}
