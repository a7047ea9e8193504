import CryptoExtras
import Foundation

/// A supervisor PIN as stored: PBKDF2-SHA256 with a random salt, never the PIN.
///
/// Why PBKDF2 at 210,000 rounds (OWASP's floor for SHA-256, and CryptoExtras'):
/// a PIN has few digits, so a stolen hash would fall to a fast hash in seconds; each
/// guess must cost real work. The rounds are stored, so they can grow later without
/// invalidating PINs already set.
struct SupervisorPIN: Sendable, Hashable {
    var hash: Data
    var salt: Data
    var rounds: Int

    static let defaultRounds = 210_000

    /// Hashed against when the named supervisor has no PIN, so that a wrong name
    /// costs the same time as a wrong PIN. Matches nothing the caller is told of.
    static let standIn = SupervisorPIN(hash: Data(count: 32), salt: Data("usher.stand-in".utf8), rounds: defaultRounds)

    /// Hashes `pin` with a fresh salt.
    static func make(_ pin: String) throws -> SupervisorPIN {
        var salt = Data(count: 16)
        for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max) }
        return SupervisorPIN(
            hash: try derive(pin, salt: salt, rounds: defaultRounds), salt: salt, rounds: defaultRounds)
    }

    /// Whether `pin` is this PIN, compared in constant time.
    func matches(_ pin: String) throws -> Bool {
        let candidate = try Self.derive(pin, salt: salt, rounds: rounds)
        guard candidate.count == hash.count else { return false }
        return zip(candidate, hash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func derive(_ pin: String, salt: Data, rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Data(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}
