import Crypto
import Foundation
import Logging
import SwiftASN1
import UsherCore
import X509

/// The server's own TLS certificate: made at first start in the data directory, so
/// the server speaks TLS from its first minute without an operator's CA. Terminals
/// do not need a CA for it: their enrollment code carries its fingerprint, and they
/// pin it.
///
/// ECDSA P-256, valid two years, for `localhost`, the loopback addresses and this
/// machine's host name (for clients that check names against `--tls-ca`). The key
/// file is created 0600 and refused when others can read it.
enum ServerCertificate {
    static let validity: TimeInterval = 2 * 365 * 24 * 3600

    /// `<dataDir>/tls/server.crt` and `server.key`, created on first use.
    static func loadOrCreate(dataDir: String, logger: Logger) throws -> TLSFiles {
        let directory = URL(fileURLWithPath: dataDir).appendingPathComponent("tls")
        let certificate = directory.appendingPathComponent("server.crt")
        let key = directory.appendingPathComponent("server.key")
        let manager = FileManager.default
        switch (manager.fileExists(atPath: certificate.path), manager.fileExists(atPath: key.path)) {
        case (true, true):
            try PrivateFiles.refuseIfOpen(key.path)
        case (false, false):
            try create(certificate: certificate, key: key)
            let fingerprint = try fingerprint(ofPEMFile: certificate.path)
            logger.notice(
                "created a self-signed TLS certificate",
                metadata: ["path": "\(certificate.path)", "sha256": "\(fingerprint)"])
        default:
            throw ServerCertificateError.halfPresent(directory.path)
        }
        return TLSFiles(certificateChain: certificate.path, privateKey: key.path, clientCA: nil)
    }

    static func create(certificate: URL, key: URL) throws {
        let privateKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Usher")
            CommonName("usher inventory-server")
        }
        var names: [GeneralName] = [
            .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 15) + [1])),
        ]
        if let host = hostName(), host != "localhost" { names.append(.dnsName(host)) }
        let now = Date()
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
        let made = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(privateKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + validity,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
        try FileManager.default.createDirectory(at: certificate.deletingLastPathComponent(), withIntermediateDirectories: true)
        // The key first, 0600 from creation; a certificate without its key is never left alone.
        try PrivateFiles.create(key.path, contents: privateKey.pemRepresentation + "\n")
        do {
            try Data((try made.serializeAsPEM().pemString + "\n").utf8).write(to: certificate, options: .atomic)
        } catch {
            unlink(key.path)
            throw error
        }
    }

    /// The SHA-256 of the first (leaf) certificate in a PEM file: what terminals pin.
    static func fingerprint(ofPEMFile path: String) throws -> CertificateFingerprint {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerCertificateError.unreadable(path, error.localizedDescription)
        }
        do {
            let leaf = try PEMDocument.parseMultiple(pemString: text).first { $0.discriminator == "CERTIFICATE" }
            guard let leaf else { throw ServerCertificateError.notACertificate(path) }
            _ = try Certificate(derEncoded: leaf.derBytes)  // it must be a certificate, not just PEM
            return CertificateFingerprint(der: leaf.derBytes)
        } catch let error as ServerCertificateError {
            throw error
        } catch {
            throw ServerCertificateError.notACertificate(path)
        }
    }

    private static func hostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        let name = String(cString: buffer)
        return name.isEmpty ? nil : name
    }
}

enum ServerCertificateError: Error, CustomStringConvertible {
    case halfPresent(String)
    case unreadable(String, String)
    case notACertificate(String)

    var description: String {
        switch self {
        case .halfPresent(let directory):
            "\(directory) holds server.crt or server.key but not both; restore the missing one, or remove both to make a new certificate (enrolled terminals must then be rolled)"
        case .unreadable(let path, let why): "cannot read certificate \(path): \(why)"
        case .notACertificate(let path): "\(path) holds no PEM certificate"
        }
    }
}
