import ChildProcess
import Foundation
import GRPCNIOTransportHTTP2
import Logging
import UsherCore

@testable import InventoryClient
@testable import InventoryServer

/// A throwaway CA and a server certificate for localhost / 127.0.0.1, made with
/// the openssl command line, plus a second CA that trusts nothing of ours.
struct TestCertificates: Sendable {
    let directory: URL
    var ca: String { directory.appendingPathComponent("ca.pem").path }
    var otherCA: String { directory.appendingPathComponent("other-ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    var clientKey: String { directory.appendingPathComponent("client.key").path }
    /// Set to require client certificates signed by `ca` (mutual TLS).
    var requireClientCertificates = false
    /// Set for the server's own self-signed certificate (``ServerCertificate``) in
    /// `directory/tls`, made as `serve` makes it; clients pin it.
    var selfSigned: CertificateFingerprint?

    var serverFiles: TLSFiles {
        if selfSigned != nil {
            let tls = directory.appendingPathComponent("tls")
            return TLSFiles(
                certificateChain: tls.appendingPathComponent("server.crt").path,
                privateKey: tls.appendingPathComponent("server.key").path, clientCA: nil)
        }
        return TLSFiles(certificateChain: serverCertificate, privateKey: serverKey, clientCA: requireClientCertificates ? ca : nil)
    }
    var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        if let selfSigned { return .tls { $0.customVerificationCallback = PinnedCertificate.verifier(selfSigned) } }
        guard requireClientCertificates else {
            return .tls { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
        }
        return .mTLS(
            certificateChain: [.file(path: clientCertificate, format: .pem)], privateKey: .file(path: clientKey, format: .pem)
        ) { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
    }

    static func make(requireClientCertificates: Bool = false) async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usher-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory, requireClientCertificates: requireClientCertificates)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Usher Test CA"], in: directory)
        try await openssl(["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Somebody Else"], in: directory)
        try await openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], in: directory)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            to: directory.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
        try await openssl(
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "san.ext"], in: directory)
        try await openssl(["req"] + ec + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=door-7"], in: directory)
        try await openssl(
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "client.pem", "-days", "2"], in: directory)
        return certificates
    }

    /// The server's own certificate, made by the server's code in a fresh data directory.
    static func selfSigned() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usher-tls-\(UUID().uuidString)")
        let files = try ServerCertificate.loadOrCreate(dataDir: directory.path, logger: Logger(label: "test"))
        var certificates = TestCertificates(directory: directory)
        certificates.selfSigned = try ServerCertificate.fingerprint(ofPEMFile: files.certificateChain)
        return certificates
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private static func openssl(_ arguments: [String], in directory: URL) async throws {
        try await Command("/usr/bin/openssl", arguments, workingDirectory: directory.path).run(timeout: .seconds(30))
    }
}
