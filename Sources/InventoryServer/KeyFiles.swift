import Foundation
import Logging
import UsherCore

/// Ticket key files: one line `ed25519-private-key: <base64 seed>` (signing) or
/// `ed25519-public-key: <base64 key>` (verify only), `#` comments allowed.
/// Private key files are created with mode 0600 and refused if others can read them.
enum KeyFiles {
    enum KeyFileError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case invalid(String)
        case tooOpen(String)

        var description: String {
            switch self {
            case .unreadable(let path, let why): "cannot read key file \(path): \(why)"
            case .invalid(let path): "\(path) is not an Usher ticket key file (ed25519-private-key: / ed25519-public-key:)"
            case .tooOpen(let path): "\(path) holds a private key but others can read it; chmod 600 it"
            }
        }
    }

    /// The signing key at `url`, created there on first use.
    static func loadOrCreateSigningKey(at url: URL, logger: Logger) throws -> TicketSigningKey {
        if !FileManager.default.fileExists(atPath: url.path) {
            let key = TicketSigningKey.generate()
            try write(key, to: url)
            logger.notice("created a ticket signing key", metadata: ["path": "\(url.path)", "key_id": "\(key.keyID)"])
            return key
        }
        guard case .signing(let key) = try load(url) else { throw KeyFileError.invalid(url.path) }
        return key
    }

    enum Loaded {
        case signing(TicketSigningKey)
        case verifying(TicketVerificationKey)

        var verificationKey: TicketVerificationKey {
            switch self {
            case .signing(let key): key.verificationKey
            case .verifying(let key): key
            }
        }
    }

    static func load(_ url: URL) throws -> Loaded {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw KeyFileError.unreadable(url.path, error.localizedDescription)
        }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let raw = Data(base64Encoded: parts[1]) else { throw KeyFileError.invalid(url.path) }
            switch parts[0] {
            case "ed25519-private-key":
                var info = stat()
                if stat(url.path, &info) == 0 && info.st_mode & 0o077 != 0 { throw KeyFileError.tooOpen(url.path) }
                return .signing(try TicketSigningKey(rawRepresentation: raw))
            case "ed25519-public-key":
                return .verifying(try TicketVerificationKey(rawRepresentation: raw))
            default:
                throw KeyFileError.invalid(url.path)
            }
        }
        throw KeyFileError.invalid(url.path)
    }

    static func write(_ key: TicketSigningKey, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let text = """
            # Usher ticket signing key (Ed25519), key id \(key.keyID). Keep it secret:
            # whoever has it can print valid tickets.
            ed25519-private-key: \(key.rawRepresentation.base64EncodedString())

            """
        // Created 0600 from the start, never readable by others even for a moment.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyFileError.unreadable(url.path, String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }
}
