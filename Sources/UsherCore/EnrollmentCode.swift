import Foundation

/// What `inventory-server devices add` hands a new device, as text and as a QR:
/// where the server is, the one-time secret, and the fingerprint of the server's
/// certificate. The terminal pins that fingerprint for the enrollment call and
/// every call after it, so the code alone is enough to reach the right server
/// safely, on a network nobody vouches for.
///
/// Text: `usher-enroll:v1?server=HOST:PORT&secret=SECRET&sha256=HEX`, one line, so
/// a keyboard-wedge scanner types it into a door like any ticket.
public struct EnrollmentCode: Sendable, Hashable {
    public static let prefix = "usher-enroll:v1?"
    /// Longest text accepted: a host name of 253 characters and the rest, with room.
    public static let maximumLength = 512

    /// `host:port`, or `[v6]:port`.
    public var server: String
    public var secret: String
    public var fingerprint: CertificateFingerprint

    public init(server: String, secret: String, fingerprint: CertificateFingerprint) {
        self.server = server
        self.secret = secret
        self.fingerprint = fingerprint
    }

    public var text: String {
        "\(Self.prefix)server=\(server)&secret=\(secret)&sha256=\(fingerprint.hex)"
    }

    /// True for text that is meant to be an enrollment code (well-formed or not):
    /// a door tells it apart from a ticket by this.
    public static func looksLikeOne(_ text: String) -> Bool {
        text.hasPrefix("usher-enroll:")
    }

    public init(parsing text: String) throws(InputError) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= Self.maximumLength else {
            throw InputError(field: "enrollment code", problem: "is longer than \(Self.maximumLength) characters")
        }
        guard text.hasPrefix(Self.prefix) else {
            throw InputError(field: "enrollment code", problem: "must start with \(Self.prefix)")
        }
        var fields: [Substring: Substring] = [:]
        for pair in text.dropFirst(Self.prefix.count).split(separator: "&") {
            guard let equals = pair.firstIndex(of: "=") else {
                throw InputError(field: "enrollment code", problem: "has a part without '=': \(pair)")
            }
            fields[pair[..<equals]] = pair[pair.index(after: equals)...]
        }
        guard let server = fields["server"], Self.isServerAddress(server) else {
            throw InputError(field: "enrollment code", problem: "needs server=HOST:PORT (or several, separated by commas)")
        }
        guard let secret = fields["secret"], DeviceSecret.isWellFormed(secret) else {
            throw InputError(field: "enrollment code", problem: "has no valid secret (43 base64url characters)")
        }
        guard let hex = fields["sha256"], let fingerprint = CertificateFingerprint(hex: String(hex)) else {
            throw InputError(field: "enrollment code", problem: "needs sha256= the server certificate's fingerprint (64 hex digits)")
        }
        self.init(server: String(server), secret: String(secret), fingerprint: fingerprint)
    }

    /// `host:port` with a port of 1–65535 and a host of letters, digits, `.-` (or a
    /// bracketed IPv6 address); or up to 16 of them, separated by commas.
    public static func isServerAddress(_ text: Substring) -> Bool {
        // Several servers of one venue, in the order to try them: "a:50051,b:50051".
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return isOneServerAddress(text) }
        return parts.count <= 16 && parts.allSatisfy(isOneServerAddress)
    }

    private static func isOneServerAddress(_ text: Substring) -> Bool {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return false }
        let host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 {
            return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return !host.isEmpty && host.count <= 253
            && host.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}
