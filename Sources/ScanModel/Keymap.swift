/// Every key the terminal knows, in one table: the door and the supervisor views
/// route keys through it, and each view's help overlay is drawn from it, so a key
/// cannot work without being in the help, or be in the help without working.
public enum Keymap {
    /// What a key asks for; each view's update decides what that means there.
    public enum Command: Sendable, Hashable {
        case help
        /// q: quit, asking first while a scan is in flight.
        case quit
        /// Ctrl-C: quit at once.
        case quitNow
        case toggleMode
        /// f: pin the door online or offline by hand, and back to automatic.
        case forceLink
        case openImage
        /// 1–9: pick a code from an image that held several; 1 2 3 also switch views.
        case digit(Int)
        case nextView
        /// Enter: admit a preview, acknowledge, open a detail.
        case confirm
        /// Esc: close, dismiss, go back.
        case back
        case move(TerminalKey)
        case zoom
        case hall(step: Int)
        case reload
        /// a: acknowledge the top conflict alert.
        case acknowledge
        /// u: undo this door's last admission (within 2 minutes).
        case annul
        /// /: find a guest without a code.
        case search
        /// o: let the guest just turned away in anyway, on a supervisor's PIN.
        case override
        /// x: switch entry / exit, on a door set to both.
        case toggleDirection
    }

    /// A key as the help names it.
    public enum Key: Sendable, Hashable {
        case character(Character)
        case special(TerminalKey)
    }

    public struct Binding: Sendable, Hashable {
        public var keys: [Key]
        /// What the keys do; nil for input that is not a key (a scan), listed for the help only.
        public var command: Command?
        public var views: Set<TerminalView>
        /// Only on terminals that may show the supervisor views.
        public var needsViews: Bool
        /// The help line; nil when the line above already covers these keys.
        public var help: Help?
    }

    /// "Enter   admit (confirm mode) / acknowledge".
    public struct Help: Sendable, Hashable {
        public var label: String
        public var text: String
    }

    static let all: Set<TerminalView> = Set(TerminalView.allCases)
    static let supervisor: Set<TerminalView> = [.seatMap, .occupancy]

    private static func bind(
        _ keys: [Key], _ command: Command?, on views: Set<TerminalView>, needsViews: Bool = false,
        _ label: String? = nil, _ text: String? = nil
    ) -> Binding {
        Binding(keys: keys, command: command, views: views, needsViews: needsViews, help: label.map { Help(label: $0, text: text ?? "") })
    }

    private static func letter(_ c: Character) -> [Key] {
        [.character(c)] + (c.isLetter ? [.character(Character(c.uppercased()))] : [])
    }

    /// The table, in the help's order.
    public static let bindings: [Binding] = [
        bind([], nil, on: all, "a scan", "the scanner types the code and Enter: checked on the door view"),
        bind([.special(.enter)], .confirm, on: [.door], "Enter", "admit (confirm mode) / acknowledge"),
        bind([.special(.enter)], .confirm, on: supervisor, "Enter", "seat details (map) / open the hall's map (occupancy)"),
        bind(letter("c"), .toggleMode, on: [.door], "c", "switch auto / confirm mode"),
        bind(letter("i"), .openImage, on: [.door], "i", "open an image file with a QR code"),
        bind(letter("f"), .forceLink, on: [.door], "f", "force offline (or online when offline); f again: automatic"),
        bind(letter("u"), .annul, on: [.door], "u", "undo this door's last admission (2 minutes), with a reason"),
        bind(letter("x"), .toggleDirection, on: [.door], "x", "switch entry / exit (a door set to --direction both)"),
        bind(letter("o"), .override, on: [.door], "o", "let a denied guest in anyway (unpaid, expired, wrong hall): supervisor PIN"),
        bind([.character("/")], .search, on: [.door], "/", "find a guest without a code: seat (A 12), order or owner"),
        bind(letter("u"), .annul, on: [.seatMap], needsViews: true, "u", "undo the admission of the seat whose details are open"),
    ] + (1...9).map { n in
        bind([.character(Character("\(n)"))], .digit(n), on: [.door], n == 1 ? "1-9" : nil, "pick a code when an image holds several")
    } + [
        bind([.special(.tab)], .nextView, on: all, needsViews: true, "1 2 3, Tab", "door / seat map / occupancy"),
    ] + (1...3).map { n in
        bind([.character(Character("\(n)"))], .digit(n), on: supervisor, needsViews: true)
    } + [TerminalKey.up, .down, .left, .right, .pageUp, .pageDown, .home, .end].map { key in
        bind([.special(key)], .move(key), on: supervisor, key == .up ? "arrows" : nil, "move (PgUp PgDn Home End jump)")
    } + [
        bind(letter("z"), .zoom, on: [.seatMap], "z", "overview: a block per section, and back"),
        bind([.character("[")], .hall(step: -1), on: [.seatMap], "[ ]", "previous / next hall"),
        bind([.character("]")], .hall(step: 1), on: [.seatMap]),
        bind(letter("r"), .reload, on: supervisor, "r", "reload everything"),
        bind(letter("a"), .acknowledge, on: supervisor, "a", "acknowledge the top conflict alert"),
        bind([.special(.escape)], .back, on: [.door], "Esc", "dismiss"),
        bind([.special(.escape)], .back, on: supervisor, "Esc", "close details / leave the overview"),
        bind([.character("?")], .help, on: all, "?", "this help"),
        bind(letter("q"), .quit, on: all, "q", "quit (asks if a scan is in flight)"),
        bind([.special(.interrupt)], .quitNow, on: all, "Ctrl-C", "quit at once"),
    ]

    /// What `key` does on `view`, or nil when it has no binding there.
    public static func command(for key: Key, in view: TerminalView, viewsEnabled: Bool) -> Command? {
        bindings.first { binding in
            binding.keys.contains(key) && binding.views.contains(view) && (viewsEnabled || !binding.needsViews)
        }?.command
    }

    /// The help overlay of `view`, drawn from the table.
    public static func helpLines(for view: TerminalView, viewsEnabled: Bool) -> [String] {
        let lines = bindings.filter { $0.views.contains(view) && (viewsEnabled || !$0.needsViews) }.compactMap(\.help)
        let width = (lines.map(\.label.count).max() ?? 0) + 2
        return ["HELP: \(view.title)", ""]
            + lines.map { $0.label + String(repeating: " ", count: width - $0.label.count) + $0.text }
            + ["", "any key closes this help"]
    }
}
