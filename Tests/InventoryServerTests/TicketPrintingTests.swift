import ChildProcess
import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import PostgresNIO
import Testing
import UsherCore
import ZbarReference

@testable import InventoryServer

/// The codes zbarimg, the independent reader, finds in `file`.
func zbarDecode(_ file: URL) async throws -> [String] { try await Zbarimg.codes(inImageAt: file.path) }

@Suite("Printing tickets", .timeLimit(.minutes(5)))
struct TicketPrintingTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func exportWritesDecodablePNGsAndAManifest() async throws {
        try await withTestServer { server in
            var sold: [String: String] = [:]
            for seat in ["gala.stalls.A.1", "gala.stalls.A.2", "gala.stalls.B.10"] {
                sold[seat] = try await server.sell(seat, to: "owner-\(seat.split(separator: ".").last!)")
            }
            _ = try await server.admit(sold["gala.stalls.A.2"]!)  // checked-in tickets are printed too
            try await server.reserve("gala.stalls.A.3", by: "someone")  // held: not a ticket

            let out = FileManager.default.temporaryDirectory.appendingPathComponent("usher-export-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: out) }
            let keyFile = out.appendingPathComponent("key")
            try KeyFiles.write(TestKeys.signer, to: keyFile)
            let url = "postgres://usher@localhost/\(server.database.database!)?host=\(server.socketDirectory)"
            let result = try await runServerBinary([
                "tickets", "export", "--event", "gala", "--out", out.appendingPathComponent("gala").path,
                "--database-url", url, "--signing-key", keyFile.path,
            ])
            #expect(result.status == 0, "\(result.output)")

            let manifest = try String(contentsOf: out.appendingPathComponent("gala/manifest.csv"), encoding: .utf8)
            let rows = manifest.split(separator: "\r\n").map { $0.split(separator: ",").map(String.init) }
            #expect(rows.first == ["seat", "owner", "ticket_code", "file"])
            #expect(rows.count == 4, "three sold seats: \(rows)")
            for row in rows.dropFirst() {
                let (seat, owner, code, file) = (row[0], row[1], row[2], row[3])
                #expect(sold[seat] == code, "the printed code is the issued one")
                #expect(owner == "owner-\(seat.split(separator: ".").last!)")
                let decoded = try await zbarDecode(out.appendingPathComponent("gala").appendingPathComponent(file))
                #expect(decoded == [code], "\(file) decodes to its manifest code")
                #expect(try TicketCode.verify(decoded.first ?? "", keyring: TestKeys.keyring).get().seatID == seat)
            }
        }
    }

    @Test func unknownEventIsRefused() async throws {
        try await withTestServer { server in
            let url = "postgres://usher@localhost/\(server.database.database!)?host=\(server.socketDirectory)"
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("usher-export-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: out) }
            let keyFile = out.appendingPathComponent("key")
            try KeyFiles.write(TestKeys.signer, to: keyFile)
            let result = try await runServerBinary([
                "tickets", "export", "--event", "nope", "--out", out.path, "--database-url", url, "--signing-key", keyFile.path,
            ])
            #expect(result.status != 0)
            #expect(result.output.contains("nope does not exist"), "\(result.output)")
        }
    }

    /// The shipped demo tickets, read by zbar and scanned at a Main Hall door of a
    /// server loaded with the demo venue and the demo key.
    @Test func demoTicketsGiveTheirVerdicts() async throws {
        let keyText = try String(contentsOf: Self.repository.appendingPathComponent("assets/keys/DEMO-ONLY-signing-key"), encoding: .utf8)
        let seed = try #require(keyText.split(separator: "\n").first { $0.hasPrefix("ed25519-private-key:") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) })
        let demoKeyring = TicketKeyring(signer: try TicketSigningKey(rawRepresentation: try #require(Data(base64Encoded: seed))))
        let venue = try String(contentsOf: Self.repository.appendingPathComponent("assets/venues/demo.json"), encoding: .utf8)
        try await withTestServer(venue: venue, keyring: demoKeyring) { server in
            let expected: [(String, Inventory_ScanResult, Inventory_ScanReason)] = [
                ("success.png", .success, .valid),
                ("duplicate.png", .duplicate, .alreadyCheckedIn),
                ("wrong-hall.png", .wrongHall, .wrongHall),
                ("unpaid.png", .unpaid, .holdNotPaid),
                ("expired.png", .expired, .eventEnded),
                ("forged.png", .notFound, .badSignature),
                ("revoked.png", .notFound, .revokedByTransfer),
                ("photo-success.jpg", .success, .valid),
            ]
            for (file, result, reason) in expected {
                let decoded = try await zbarDecode(Self.repository.appendingPathComponent("assets/tickets/\(file)"))
                #expect(decoded.count == 1, "\(file): zbar read \(decoded.count) codes")
                guard let code = decoded.first else { continue }
                let verdict = try await server.verify(code, hall: "main")
                #expect(verdict.result == result && verdict.reason == reason, "\(file): \(verdict.result) \(verdict.reason)")
            }
        }
    }
}

/// Runs the built `inventory-server` with `arguments`; returns its status and output.
func runServerBinary(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await runBuiltBinary(ProcessLifecycleTests.binary.path, arguments)
}

/// Runs a built executable with `arguments`; returns its status and combined output.
func runBuiltBinary(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let result = try await Command(path, arguments, environment: ProcessInfo.processInfo.environment)
        .run(timeout: .seconds(120), allowFailure: true)
    return (result.status, result.output)
}
