import CNcursesw
import Foundation
import ScanModel
import Synchronization

/// The only code that touches curses. It runs on a thread of its own (curses is
/// not thread-safe, and `wget_wch` blocks): it draws the latest Screen it was
/// given, rings the bell, and turns keys, resizes and a clock into events.
final class CursesTerminal: Sendable {
    private struct Mailbox {
        var screen: Screen?
        var beeps: [Int] = []
        var stopping = false
    }

    private let mailbox = Mutex(Mailbox())
    private let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let useColor: Bool

    init(useColor: Bool) {
        self.useColor = useColor
    }

    /// Starts curses on its own thread; returns the terminal size once it is up.
    func start(events: AsyncStream<TerminalEvent>.Continuation) async -> (width: Int, height: Int) {
        await withCheckedContinuation { (started: CheckedContinuation<(width: Int, height: Int), Never>) in
            let thread = Thread { [self] in self.loop(events: events, started: started) }
            thread.name = "curses"
            thread.start()
        }
    }

    func present(_ screen: Screen) { mailbox.withLock { $0.screen = screen } }

    func bell(times: Int) { mailbox.withLock { $0.beeps.append(times) } }

    /// Ends curses and restores the terminal; returns when that is done.
    func stop() async {
        await withCheckedContinuation { continuation in
            finished.withLock { $0 = continuation }
            mailbox.withLock { $0.stopping = true }
        }
    }

    private func loop(
        events: AsyncStream<TerminalEvent>.Continuation, started: CheckedContinuation<(width: Int, height: Int), Never>
    ) {
        func send(_ event: DoorEvent) { events.yield(.door(event)) }
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(Int32(CODESET))) != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
        setenv("ESCDELAY", "25", 1)
        initscr()
        raw()  // Ctrl-C arrives as a key, so the terminal is always restored by us
        noecho()
        nonl()
        keypad(usher_stdscr(), true)
        curs_set(0)
        wtimeout(usher_stdscr(), 15)
        var palette = Palette(enabled: useColor && has_colors())
        started.resume(returning: (Int(usher_cols()), Int(usher_lines())))

        var lastTick = ContinuousClock.now
        while true {
            let (screen, beeps, stopping) = mailbox.withLock { box in
                defer { box.screen = nil; box.beeps.removeAll() }
                return (box.screen, box.beeps, box.stopping)
            }
            if stopping { break }
            if let screen { draw(screen, palette: &palette) }
            for count in beeps { ring(count) }

            // One key (waiting up to 15 ms), then every key already queued behind it
            // at once, all stamped with the same instant: keys that were waiting
            // while this thread was busy or descheduled arrived together, and must not
            // look like slow typing to the scanner-burst detector.
            var key: Int32 = 0
            var result = usher_get_key(&key)
            let now = ContinuousClock.now
            var drained = 0
            while result != usher_err() {
                if result == usher_key_code_yes() {
                    if key == usher_key_resize() {
                        send(.resized(width: Int(usher_cols()), height: Int(usher_lines())))
                    } else if let terminalKey = Self.functionKey(key) {
                        send(.key(terminalKey, at: now))
                    }
                } else if let terminalKey = Self.key(for: key) {
                    send(.key(terminalKey, at: now))
                }
                drained += 1
                guard drained < 8192 else { break }  // a stuck key cannot starve the screen
                wtimeout(usher_stdscr(), 0)
                result = usher_get_key(&key)
                wtimeout(usher_stdscr(), 15)
            }
            if now - lastTick >= .milliseconds(50) {
                lastTick = now
                send(.tick(now: Date(), at: now))
            }
        }
        endwin()
        events.finish()
        finished.withLock { $0?.resume() }
    }

    static func functionKey(_ code: Int32) -> TerminalKey? {
        switch code {
        case usher_key_backspace(): .backspace
        case usher_key_enter(): .enter
        case usher_key_up(): .up
        case usher_key_down(): .down
        case usher_key_left(): .left
        case usher_key_right(): .right
        case usher_key_page_up(): .pageUp
        case usher_key_page_down(): .pageDown
        case usher_key_home(): .home
        case usher_key_end(): .end
        case usher_key_btab(): .tab
        default: nil
        }
    }

    static func key(for code: Int32) -> TerminalKey? {
        switch code {
        case 3: return .interrupt
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 27: return .escape
        case 0..<32: return nil
        default:
            guard let scalar = UnicodeScalar(UInt32(code)) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func ring(_ count: Int) {
        for index in 0..<count {
            beep()
            if index < count - 1 { napms(120) }
        }
    }

    private func draw(_ screen: Screen, palette: inout Palette) {
        werase(usher_stdscr())
        for row in 0..<min(screen.height, Int(usher_lines())) {
            var column = 0
            while column < min(screen.width, Int(usher_cols())) {
                let style = screen[column, row].style
                var run = ""
                let start = column
                while column < min(screen.width, Int(usher_cols())) && screen[column, row].style == style {
                    // A wide character's second cell: curses already moved two columns for it.
                    if !screen[column, row].isContinuation { run.append(screen[column, row].character) }
                    column += 1
                }
                let (attributes, pair) = palette.attributes(for: style)
                _ = usher_draw(Int32(row), Int32(start), run, attributes, pair)
            }
        }
        wrefresh(usher_stdscr())
    }
}

/// Colour pairs, made on first use. Without colour every style is bold/reverse only.
private struct Palette {
    let enabled: Bool
    private var pairs: [Pair: Int16] = [:]

    private struct Pair: Hashable {
        var foreground: Screen.Color?
        var background: Screen.Color?
    }

    init(enabled: Bool) {
        self.enabled = enabled
        if enabled {
            start_color()
            use_default_colors()
        }
    }

    mutating func attributes(for style: Screen.Style) -> (attr_t, Int16) {
        var attributes = usher_a_normal()
        if style.bold { attributes |= usher_a_bold() }
        guard enabled else {
            if style.reverse || style.background != nil { attributes |= usher_a_reverse() }
            return (attributes, 0)
        }
        if style.reverse { attributes |= usher_a_reverse() }
        let key = Pair(foreground: style.foreground, background: style.background)
        guard key.foreground != nil || key.background != nil else { return (attributes, 0) }
        if let pair = pairs[key] { return (attributes, pair) }
        let pair = Int16(pairs.count + 1)
        init_pair(pair, Self.code(key.foreground), Self.code(key.background))
        pairs[key] = pair
        return (attributes, pair)
    }

    private static func code(_ color: Screen.Color?) -> Int16 {
        switch color {
        case nil: -1
        case .black: Int16(COLOR_BLACK)
        case .red: Int16(COLOR_RED)
        case .green: Int16(COLOR_GREEN)
        case .yellow: Int16(COLOR_YELLOW)
        case .blue: Int16(COLOR_BLUE)
        case .magenta: Int16(COLOR_MAGENTA)
        case .cyan: Int16(COLOR_CYAN)
        case .white: Int16(COLOR_WHITE)
        }
    }
}
