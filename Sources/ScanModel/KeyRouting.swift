/// What a key from the terminal comes to once the scanner detector has seen it.
///
/// Every view routes its keys through here, so a scan that arrives on any view (or
/// while a help or a question is shown) is captured whole, and what a person typed
/// reaches the ``Keymap`` the same way everywhere.
public enum RoutedKey: Sendable, Hashable {
    /// A whole code from the scanner.
    case scan(String)
    /// A key a person pressed, to look up in the keymap. Enter alone is
    /// `.special(.enter)`; a typed letter followed by Enter is that letter, then Enter.
    case key(Keymap.Key)
}

extension ScannerInput {
    /// Feeds `key` to the detector and returns what it meant, in order.
    public mutating func route(_ key: TerminalKey, at instant: ContinuousClock.Instant) -> [RoutedKey] {
        switch key {
        case .character(let c):
            return Self.routed(self.key(c, at: instant))
        case .enter:
            let outputs = enter(at: instant)
            if outputs.isEmpty { return [.key(.special(.enter))] }
            return outputs.flatMap { output -> [RoutedKey] in
                guard case .command = output else { return Self.routed([output]) }
                return Self.routed([output]) + [.key(.special(.enter))]
            }
        case .backspace:
            backspace()
            return []
        case .escape, .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            return [.key(.special(key))]
        }
    }

    /// A ticket code within text typed into a box that takes keys as typed (the
    /// search, the undo question): from its `U1.` prefix on, after whatever staff
    /// typed before the scanner fired.
    static func ticketCode(in text: String) -> String? {
        guard let start = text.range(of: "U1.")?.lowerBound else { return nil }
        return String(text[start...]).trimmingCharacters(in: .whitespaces)
    }

    /// The clock: keys pending past the idle gap, resolved.
    public mutating func routeTick(at instant: ContinuousClock.Instant) -> [RoutedKey] {
        Self.routed(tick(at: instant))
    }

    private static func routed(_ outputs: [Output]) -> [RoutedKey] {
        outputs.compactMap { output in
            switch output {
            case .scan(let code): .scan(code)
            case .command(let c): .key(.character(c))
            case .discarded: nil
            }
        }
    }
}
