/// What a terminal shows: a grid of cells. `render` produces one; the curses layer
/// draws it; tests compare its text.
public struct Screen: Sendable, Hashable {
    public enum Color: Sendable, Hashable, CaseIterable {
        case black, red, green, yellow, blue, magenta, cyan, white
    }

    public struct Style: Sendable, Hashable {
        public var foreground: Color?
        public var background: Color?
        public var bold: Bool
        public var reverse: Bool

        public init(foreground: Color? = nil, background: Color? = nil, bold: Bool = false, reverse: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
            self.reverse = reverse
        }

        public static let plain = Style()
    }

    public struct Cell: Sendable, Hashable {
        public var character: Character
        public var style: Style
        /// The right half of a wide character in the cell to the left: the terminal
        /// draws nothing here (the wide character already covers it).
        public var isContinuation = false
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(character: " ", style: .plain), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` from column `x` on row `y`, clipped to the screen. A wide
    /// character takes two cells, as on the terminal; one that would be cut in half
    /// at the right edge is not drawn.
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain) {
        guard y >= 0, y < height else { return }
        var column = x
        for character in text where column < width {
            let columns = DisplayWidth.of(character)
            if columns == 0 { continue }
            if column >= 0 {
                if columns == 2 && column + 1 >= width { break }
                clearHalf(at: column, y: y)
                cells[y * width + column] = Cell(character: character, style: style)
                if columns == 2 {
                    clearHalf(at: column + 1, y: y)
                    cells[y * width + column + 1] = Cell(character: " ", style: style, isContinuation: true)
                }
            }
            column += columns
        }
    }

    /// Overwriting one half of a wide character leaves the other half a plain space.
    private mutating func clearHalf(at column: Int, y: Int) {
        let index = y * width + column
        if cells[index].isContinuation, column > 0 {
            cells[index - 1] = Cell(character: " ", style: cells[index - 1].style)
        } else if DisplayWidth.of(cells[index].character) == 2, column + 1 < width {
            cells[index + 1] = Cell(character: " ", style: cells[index + 1].style)
        }
    }

    /// Writes `text` centred on row `y`.
    public mutating func center(_ text: String, y: Int, style: Style = .plain) {
        write(text, x: max(0, (width - text.displayWidth) / 2), y: y, style: style)
    }

    /// Paints a rectangle with spaces in `style`.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                clearHalf(at: column, y: row)
                cells[row * width + column] = Cell(character: " ", style: style)
            }
        }
    }

    /// The screen as lines of text (styles dropped), for snapshots: what a terminal
    /// shows, so a wide character's second cell is not repeated.
    public var lines: [String] {
        (0..<height).map { row in
            String(cells[row * width..<(row + 1) * width].filter { !$0.isContinuation }.map(\.character))
        }
    }

    public var text: String { lines.joined(separator: "\n") }
}
