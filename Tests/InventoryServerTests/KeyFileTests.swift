import Foundation
import Logging
import Testing
import UsherCore

@testable import InventoryServer

@Suite("Ticket key files", .timeLimit(.minutes(5)))
struct KeyFileTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("usher-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func firstStartCreatesAPrivateKeyAndLaterStartsReuseIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data/signing-key")
        let logger = Logger(label: "test")
        let created = try KeyFiles.loadOrCreateSigningKey(at: path, logger: logger)
        let attributes = try FileManager.default.attributesOfItem(atPath: path.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try KeyFiles.loadOrCreateSigningKey(at: path, logger: logger)
        #expect(again.keyID == created.keyID)
        #expect(again.rawRepresentation == created.rawRepresentation)
    }

    @Test func privateKeyReadableByOthersIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signing-key")
        try KeyFiles.write(TicketSigningKey.generate(), to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path.path)
        #expect(throws: KeyFiles.KeyFileError.self) { try KeyFiles.load(path) }
    }

    @Test func rotationAcceptsOldKeysButSignsWithTheNewOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = TicketSigningKey.generate()
        let publicFile = directory.appendingPathComponent("old.pub")
        try "ed25519-public-key: \(old.verificationKey.rawRepresentation.base64EncodedString())\n"
            .write(to: publicFile, atomically: true, encoding: .utf8)
        // The README's rotation: the old key kept as a verification key, a new signing
        // key made at the default path on start.
        let options = try TicketKeyOptions.parse(["--verification-key", publicFile.path])
        let keyring = try options.keyring(dataDir: directory.path, logger: Logger(label: "test"))
        #expect(keyring.verificationKeys.count == 2)
        #expect(keyring.signer?.keyID != old.keyID)
        let claims = TicketClaims(
            seatID: "s", eventID: "e", hallID: "h", serial: 1, validFrom: Date(timeIntervalSince1970: 0),
            validUntil: Date(timeIntervalSince1970: 10))
        #expect(try TicketCode.verify(TicketCode.issue(claims, signer: old), keyring: keyring).get() == claims)
    }

    /// A named key that is not there is an error, never a fresh key (that would void
    /// every ticket sold); the public demo key needs --demo.
    @Test func aMissingNamedKeyAndTheDemoKeyAreRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = try TicketKeyOptions.parse([])
        options.signingKey = directory.appendingPathComponent("missing").path
        #expect(throws: (any Error).self) { _ = try options.keyring(dataDir: directory.path, logger: Logger(label: "test")) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))

        let demo = directory.appendingPathComponent("demo-key")
        try FileManager.default.copyItem(
            at: TicketPrintingTests.repository.appendingPathComponent("assets/keys/DEMO-ONLY-signing-key"), to: demo)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: demo.path)
        options.signingKey = demo.path
        let refused = #expect(throws: (any Error).self) { _ = try options.keyring(dataDir: directory.path, logger: Logger(label: "test")) }
        #expect("\(refused.map { String(describing: $0) } ?? "")".contains("public demo signing key"))
        options.demo = true
        #expect(try options.keyring(dataDir: directory.path, logger: Logger(label: "test")).signer != nil)
    }

    @Test func garbageKeyFilesAreRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in [("empty", ""), ("junk", "hello"), ("short", "ed25519-public-key: AAAA"), ("kind", "rsa-key: AAAA")] {
            let file = directory.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self, "\(name)") { try KeyFiles.load(file) }
        }
    }
}
