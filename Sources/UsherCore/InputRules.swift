/// Limits on every field a request carries. Checked before anything touches the
/// database, so bad input is refused whole (INVALID_ARGUMENT) and nothing is written.
public enum InputRules {
    public static let identifierMaxLength = 128
    public static let freeTextMaxLength = 500
    public static let defaultHoldSeconds = 300
    public static let maximumHoldSeconds = 3600

    /// Ids (seats, users, halls, staff, terminals, orders, scans): 1–128 characters
    /// of `A–Z a–z 0–9 . _ : @ + -`. Narrow on purpose: they end up in logs, QR
    /// codes and terminal screens.
    public static func isIdentifier(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= identifierMaxLength else { return false }
        return utf8.allSatisfy(isIdentifierByte)
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"),
            UInt8(ascii: "+"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    public static func identifier(_ value: String, field: String) throws(InputError) -> String {
        guard !value.isEmpty else { throw InputError(field: field, problem: "is required") }
        guard isIdentifier(value) else {
            throw InputError(
                field: field,
                problem: "must be 1–\(identifierMaxLength) characters of A–Z a–z 0–9 . _ : @ + -")
        }
        return value
    }

    /// Free text for the audit trail: bounded, no control characters. May be empty.
    public static func freeText(_ value: String, field: String) throws(InputError) -> String {
        guard value.count <= freeTextMaxLength else {
            throw InputError(field: field, problem: "must be at most \(freeTextMaxLength) characters")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw InputError(field: field, problem: "must not contain control characters")
        }
        return value
    }

    /// 0 means the default hold; otherwise 1…3600 seconds.
    public static func holdSeconds(_ value: Int) throws(InputError) -> Int {
        if value == 0 { return defaultHoldSeconds }
        guard (1...maximumHoldSeconds).contains(value) else {
            throw InputError(field: "hold_seconds", problem: "must be 0 (default \(defaultHoldSeconds)) or 1–\(maximumHoldSeconds)")
        }
        return value
    }

    /// A scanned code: present and of sane size. Whether it *reads* as a ticket is
    /// a verdict (NOT_FOUND), not an input error.
    public static func ticketCode(_ value: String) throws(InputError) -> String {
        guard !value.utf8.isEmpty else { throw InputError(field: "ticket_code", problem: "is required") }
        guard value.utf8.count <= TicketCode.maximumLength else {
            throw InputError(field: "ticket_code", problem: "must be at most \(TicketCode.maximumLength) bytes")
        }
        return value
    }
}

/// A request field that breaks ``InputRules``. Its description is safe to show clients.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field) \(problem)" }
}

extension String {
    /// Trims ASCII spaces, tabs, CR and LF only; anything else is part of the code.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
