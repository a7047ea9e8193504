import Crypto
import Foundation

/// Identifies a verification key inside a code: the first four bytes of SHA-256
/// of the raw public key, so terminals and servers agree without a registry.
public struct TicketKeyID: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    init(publicKey: Data) {
        rawValue = SHA256.hash(data: publicKey).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// A public key that verifies ticket codes.
public struct TicketVerificationKey: Sendable, Hashable {
    public let keyID: TicketKeyID
    /// The 32-byte Ed25519 public key.
    public let rawRepresentation: Data

    public init(rawRepresentation: Data) throws(TicketKeyError) {
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)) != nil else {
            throw .invalidKey
        }
        self.rawRepresentation = rawRepresentation
        self.keyID = TicketKeyID(publicKey: rawRepresentation)
    }

    func isValidSignature(_ signature: ArraySlice<UInt8>, for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(Array(signature), for: message)
    }
}

/// The private key that signs new codes.
public struct TicketSigningKey: Sendable {
    private let key: Curve25519.Signing.PrivateKey
    public let verificationKey: TicketVerificationKey

    public init(rawRepresentation: Data) throws(TicketKeyError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation) else {
            throw .invalidKey
        }
        self.key = key
        self.verificationKey = try TicketVerificationKey(rawRepresentation: key.publicKey.rawRepresentation)
    }

    public static func generate() -> TicketSigningKey {
        // A fresh key's raw form is always valid.
        try! TicketSigningKey(rawRepresentation: Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// The 32-byte private seed, for saving to a key file.
    public var rawRepresentation: Data { key.rawRepresentation }
    public var keyID: TicketKeyID { verificationKey.keyID }

    func signature(for message: [UInt8]) -> [UInt8] {
        // Ed25519 signing of in-memory bytes cannot fail for a valid key.
        Array(try! key.signature(for: message))
    }
}

/// The keys a venue accepts: several may verify (rotation), one signs.
public struct TicketKeyring: Sendable {
    public let signer: TicketSigningKey?
    public let verifiers: [TicketKeyID: TicketVerificationKey]

    public init(signer: TicketSigningKey?, alsoAccepted: [TicketVerificationKey] = []) {
        self.signer = signer
        var verifiers: [TicketKeyID: TicketVerificationKey] = [:]
        for key in alsoAccepted { verifiers[key.keyID] = key }
        if let signer { verifiers[signer.keyID] = signer.verificationKey }
        self.verifiers = verifiers
    }

    /// The public keys, signing key first, for GetVerificationKeys.
    public var verificationKeys: [TicketVerificationKey] {
        let others = verifiers.values.filter { $0.keyID != signer?.keyID }.sorted { $0.keyID.rawValue < $1.keyID.rawValue }
        return (signer.map { [$0.verificationKey] } ?? []) + others
    }
}

public enum TicketKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidKey
    case noSigningKey

    public var description: String {
        switch self {
        case .invalidKey: "not a valid Ed25519 key"
        case .noSigningKey: "this keyring can verify but not sign"
        }
    }
}
