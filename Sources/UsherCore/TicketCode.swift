import Crypto
import Foundation

/// The one place that knows what a QR code holds: a signed ticket code.
///
/// Text: `U1.` followed by base64url (no padding) of, big-endian:
///
///     version u8 (=1) | key id u32 | serial u64 | valid from i64 | valid until i64
///     | seat id (u8 length + UTF-8) | event id (…) | hall id (…)
///     | Ed25519 signature (64 bytes) | CRC-32 (u32)
///
/// The signature covers `usher-ticket-v1\0` followed by every byte before it; the
/// CRC covers every byte before it, signature included. docs/ticket-format.md
/// has the full description. Parsing is pure, bounded and total: any input gives
/// claims or a reason, never a crash.
public enum TicketCode {
    /// Longest text accepted at all; a real code is about 190 characters.
    public static let maximumLength = 512
    static let prefix = "U1."
    static let version: UInt8 = 1
    static let domain = Array("usher-ticket-v1\0".utf8)
    static let signatureLength = 64

    /// Signs `claims` with the keyring's signing key.
    public static func issue(_ claims: TicketClaims, keyring: TicketKeyring) throws(TicketKeyError) -> String {
        guard let signer = keyring.signer else { throw .noSigningKey }
        return issue(claims, signer: signer)
    }

    public static func issue(_ claims: TicketClaims, signer: TicketSigningKey) -> String {
        var writer = TicketByteWriter()
        writer.u8(version)
        writer.u32(signer.keyID.rawValue)
        writer.u64(UInt64(bitPattern: claims.serial))
        writer.u64(UInt64(bitPattern: Int64(claims.validFrom.timeIntervalSince1970)))
        writer.u64(UInt64(bitPattern: Int64(claims.validUntil.timeIntervalSince1970)))
        writer.shortString(claims.seatID)
        writer.shortString(claims.eventID)
        writer.shortString(claims.hallID)
        writer.raw(signer.signature(for: domain + writer.bytes))
        writer.u32(CRC32.checksum(writer.bytes))
        return prefix + Base64URL.encode(writer.bytes)
    }

    /// Reads and verifies a scanned code. Surrounding whitespace (a wedge scanner's
    /// newline) is ignored. Failure reasons: `.malformed` (not our format, or altered
    /// in transit: the CRC catches any single changed character), `.unknownKey`
    /// (well-formed, signed by a key we do not accept), `.badSignature` (well-formed
    /// but forged).
    public static func verify(_ code: String, keyring: TicketKeyring) -> Result<TicketClaims, TicketCodeError> {
        let text = code.trimmingASCIIWhitespace()
        guard text.utf8.count <= maximumLength, text.hasPrefix(prefix),
            let bytes = Base64URL.decode(text.utf8.dropFirst(prefix.utf8.count)[...]),
            bytes.count >= 4
        else { return .failure(.malformed) }

        let body = bytes.dropLast(4)
        var crcReader = TicketByteReader(Array(bytes.suffix(4)))
        guard let crc = crcReader.u32(), crc == CRC32.checksum(body) else { return .failure(.malformed) }

        var reader = TicketByteReader(Array(body))
        guard reader.u8() == version,
            let keyID = reader.u32(),
            let serial = reader.u64(),
            let validFrom = reader.u64(),
            let validUntil = reader.u64(),
            let seatID = reader.shortString(), InputRules.isIdentifier(seatID),
            let eventID = reader.shortString(), InputRules.isIdentifier(eventID),
            let hallID = reader.shortString(), InputRules.isIdentifier(hallID),
            reader.remaining == signatureLength
        else { return .failure(.malformed) }
        let signed = Array(body.prefix(reader.offset))
        guard let signature = reader.take(signatureLength) else { return .failure(.malformed) }

        guard let key = keyring.verifiers[TicketKeyID(rawValue: keyID)] else { return .failure(.unknownKey) }
        guard key.isValidSignature(signature, for: domain + signed) else { return .failure(.badSignature) }
        let from = Int64(bitPattern: validFrom)
        let until = Int64(bitPattern: validUntil)
        guard Int64(bitPattern: serial) >= 0, from < until else { return .failure(.malformed) }
        return .success(
            TicketClaims(
                seatID: seatID, eventID: eventID, hallID: hallID, serial: Int64(bitPattern: serial),
                validFrom: Date(timeIntervalSince1970: TimeInterval(from)),
                validUntil: Date(timeIntervalSince1970: TimeInterval(until))))
    }
}

extension TicketCode {
    /// SHA-256 of the code as scanned, surrounding whitespace ignored (as ``verify(_:keyring:)``
    /// does): what a door's scan id is bound to, so a replay must present the same code.
    public static func digest(_ code: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(code.trimmingASCIIWhitespace().utf8)))
    }
}

public enum TicketCodeError: Error, Sendable, Hashable {
    case malformed
    case badSignature
    case unknownKey

    public var reason: ScanReason {
        switch self {
        case .malformed: .malformed
        case .badSignature: .badSignature
        case .unknownKey: .unknownKey
        }
    }
}
