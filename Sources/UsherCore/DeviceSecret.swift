import Crypto

/// The secrets that make a device: a one-time enrollment secret, and the token it
/// is exchanged for. Both are 256 random bits in base64url; the server keeps only
/// their SHA-256, so a copy of its database cannot act as a device.
public enum DeviceSecret {
    /// 256 bits from the system's secure random source, base64url (43 characters).
    public static func random() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Base64URL.encode(Array($0)) }
    }

    /// What the server stores and looks a secret up by.
    public static func digest(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// A secret as ``random()`` makes it: exactly 43 base64url characters. Anything
    /// else is refused before it is hashed or looked up.
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 43 && Base64URL.decode(Substring(text).utf8)?.count == 32
    }
}
