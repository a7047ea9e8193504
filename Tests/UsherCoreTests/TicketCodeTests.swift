import Foundation
import Testing
@testable import UsherCore

@Suite("Signed ticket codes")
struct TicketCodeTests {
    static let signer = try! TicketSigningKey(rawRepresentation: Data(repeating: 7, count: 32))
    static let keyring = TicketKeyring(signer: signer)
    static let claims = TicketClaims(
        seatID: "main-tonight.stalls.A.12", eventID: "main-tonight", hallID: "main", serial: 3,
        validFrom: Date(timeIntervalSince1970: 1_780_000_000), validUntil: Date(timeIntervalSince1970: 1_780_014_400))
    static let code = TicketCode.issue(claims, signer: signer)

    func verify(_ code: String) -> Result<TicketClaims, TicketCodeError> {
        TicketCode.verify(code, keyring: Self.keyring)
    }

    @Test func roundTripsEveryField() throws {
        let parsed = try verify(Self.code).get()
        #expect(parsed == Self.claims)
        #expect(parsed.seatID == "main-tonight.stalls.A.12")
        #expect(parsed.eventID == "main-tonight")
        #expect(parsed.hallID == "main")
        #expect(parsed.serial == 3)
        #expect(parsed.validFrom == Self.claims.validFrom)
        #expect(parsed.validUntil == Self.claims.validUntil)
        #expect(Self.code.hasPrefix("U1."))
        #expect(Self.code.count < 220, "fits a small QR code: \(Self.code.count) characters")
    }

    @Test func extremeFieldValuesRoundTrip() throws {
        let claims = TicketClaims(
            seatID: String(repeating: "s", count: 128), eventID: "e", hallID: String(repeating: "h", count: 128),
            serial: Int64.max, validFrom: Date(timeIntervalSince1970: -1), validUntil: Date(timeIntervalSince1970: 4_102_444_800))
        #expect(try verify(TicketCode.issue(claims, signer: Self.signer)).get() == claims)
    }

    @Test func scannerWhitespaceIsIgnored() throws {
        #expect(try verify(Self.code + "\r\n").get() == Self.claims)
        #expect(try verify("  " + Self.code + "\t").get() == Self.claims)
    }

    /// Every single-character change anywhere in the code, to every printable
    /// ASCII character, is refused as malformed (the CRC) or bad signature.
    @Test func everySingleCharacterMutationIsRejected() {
        let original = Array(Self.code)
        let replacements = (0x20...0x7E).map { Character(UnicodeScalar(UInt8($0))) }
        var tried = 0
        for position in original.indices {
            for replacement in replacements where replacement != original[position] {
                var mutated = original
                mutated[position] = replacement
                let text = String(mutated)
                switch verify(text) {
                case .success:
                    Issue.record("accepted a code with position \(position) changed to \(replacement)")
                case .failure(let error):
                    #expect(error == .malformed || error == .badSignature, "position \(position): \(error)")
                }
                tried += 1
            }
        }
        #expect(tried == original.count * (replacements.count - 1), "every position, every other character")
    }

    @Test func truncationsAndExtensionsAreRejected() {
        let original = Array(Self.code)
        for length in 0..<original.count {
            #expect((try? verify(String(original.prefix(length))).get()) == nil, "prefix of \(length)")
            #expect((try? verify(String(original.suffix(length))).get()) == nil, "suffix of \(length)")
        }
        for extra in ["A", "_", "-", "0", "=", "AA", "AAAA", ".", "U1.", Self.code] {
            #expect((try? verify(Self.code + extra).get()) == nil, "extended by \(extra)")
        }
    }

    @Test func garbageIsMalformed() {
        for garbage in ["", "U1.", "U1.=", "main-tonight.stalls.A.12", "U2." + Self.code.dropFirst(3), "u1." + Self.code.dropFirst(3),
                        String(repeating: "A", count: 100_000), "U1." + String(repeating: "_", count: 400), "\u{0}", "💥"] {
            #expect(verify(garbage) == .failure(.malformed), "\(garbage.prefix(20))")
        }
    }

    @Test func unknownKeyIsRejected() throws {
        let stranger = TicketSigningKey.generate()
        let foreign = TicketCode.issue(Self.claims, signer: stranger)
        #expect(verify(foreign) == .failure(.unknownKey))
        // Rotation: an accepted older key still verifies, and only the signer signs.
        let rotated = TicketKeyring(signer: Self.signer, alsoAccepted: [stranger.verificationKey])
        #expect(try TicketCode.verify(foreign, keyring: rotated).get() == Self.claims)
        #expect(rotated.verificationKeys.first?.keyID == Self.signer.keyID)
        #expect(rotated.verificationKeys.count == 2)
    }

    /// A forger who knows the format and the key id, but not the private key, and
    /// fixes up the CRC: bad signature.
    @Test func forgedSignatureIsBadSignature() throws {
        var bytes = try #require(Base64URL.decode(Self.code.utf8.dropFirst(3)[...]))
        let signatureStart = bytes.count - 4 - 64
        bytes[signatureStart] ^= 0x01
        let crc = CRC32.checksum(bytes.dropLast(4))
        for (index, shift) in [24, 16, 8, 0].enumerated() { bytes[bytes.count - 4 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(shift)) }
        #expect(verify("U1." + Base64URL.encode(bytes)) == .failure(.badSignature))

        // Changing a claim (serial 3 → 4) with a fixed-up CRC is equally a bad signature.
        var changed = try #require(Base64URL.decode(Self.code.utf8.dropFirst(3)[...]))
        changed[1 + 4 + 7] = 4
        let crc2 = CRC32.checksum(changed.dropLast(4))
        for (index, shift) in [24, 16, 8, 0].enumerated() { changed[changed.count - 4 + index] = UInt8(truncatingIfNeeded: crc2 >> UInt32(shift)) }
        #expect(verify("U1." + Base64URL.encode(changed)) == .failure(.badSignature))
    }

    /// Random bytes and strings, with and without the prefix: never a crash, never accepted.
    @Test func fuzzRandomInput() {
        var generator = SplitMix64(seed: 0x5EED)
        for round in 0..<20_000 {
            let length = Int(generator.next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let text: String
            switch round % 3 {
            case 0: text = String(decoding: bytes, as: UTF8.self)
            case 1: text = "U1." + Base64URL.encode(bytes)
            default:
                // Valid code with random bytes spliced in.
                var code = Array(Self.code.utf8)
                let at = Int(generator.next() % UInt64(code.count))
                code.replaceSubrange(at..<min(code.count, at + bytes.count / 10), with: bytes.prefix(bytes.count / 10))
                text = String(decoding: code, as: UTF8.self)
            }
            if case .success(let claims) = verify(text) {
                #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == Self.code && claims == Self.claims, "accepted fuzz input \(round)")
            }
        }
    }

    @Test func base64URLIsCanonical() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(Base64URL.decode(text.utf8[...]) == bytes)
            #expect(!text.contains("="))
        }
        // "AB" has non-zero unused bits: not the canonical form of any byte string.
        #expect(Base64URL.decode("AB".utf8[...]) == nil)
        #expect(Base64URL.decode("AA".utf8[...]) == [0])
        #expect(Base64URL.decode("A".utf8[...]) == nil)
    }

    @Test func keyIDIsStableAndPrintable() {
        #expect(Self.signer.keyID == Self.signer.verificationKey.keyID)
        #expect(Self.signer.keyID.description.count == 8)
        #expect(TicketSigningKey.generate().keyID != Self.signer.keyID)
    }
}

/// A small deterministic generator, so a fuzz failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
