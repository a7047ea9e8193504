import UsherCore

/// How each verdict looks and sounds: colour, glyph and word, so colour is never
/// the only signal. One owner for that mapping.
public struct VerdictLook: Sendable, Hashable {
    public var glyph: String
    public var word: String
    public var color: Screen.Color
    public var bell: BellPattern

    /// A short label for counters.
    public var short: String {
        switch word {
        case "DUPLICATE": "DUP"
        case "WRONG HALL": "HALL"
        case "NOT FOUND": "NOTFOUND"
        default: word
        }
    }

    public static func of(_ result: ScanResult, ascii: Bool) -> VerdictLook {
        switch result {
        case .success: VerdictLook(glyph: ascii ? "OK" : "✔", word: "SUCCESS", color: .green, bell: .success)
        case .duplicate: VerdictLook(glyph: ascii ? "==" : "⟳", word: "DUPLICATE", color: .yellow, bell: .attention)
        case .wrongHall: VerdictLook(glyph: ascii ? "<>" : "⇄", word: "WRONG HALL", color: .magenta, bell: .attention)
        case .unpaid: VerdictLook(glyph: "$", word: "UNPAID", color: .yellow, bell: .deny)
        case .notFound: VerdictLook(glyph: ascii ? "XX" : "✖", word: "NOT FOUND", color: .red, bell: .deny)
        case .expired: VerdictLook(glyph: ascii ? "~~" : "⌛", word: "EXPIRED", color: .red, bell: .deny)
        }
    }
}

/// Distinct bell patterns per verdict class; the runner rings them.
public enum BellPattern: Sendable, Hashable {
    /// One beep.
    case success
    /// Three quick beeps: stop this guest.
    case deny
    /// Two beeps: look at the screen.
    case attention

    public var beeps: Int {
        switch self {
        case .success: 1
        case .attention: 2
        case .deny: 3
        }
    }
}
