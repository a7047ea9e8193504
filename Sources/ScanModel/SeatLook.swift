import UsherCore

/// How a seat status looks on the map: a glyph and a colour, so colour is never
/// the only signal. One owner for that mapping (the legend reads it too).
public struct SeatLook: Sendable, Hashable {
    public var glyph: Character
    public var word: String
    public var color: Screen.Color?

    public static func of(_ status: SeatStatus?, ascii: Bool) -> SeatLook {
        switch status {
        case .available?: SeatLook(glyph: ascii ? "." : "·", word: "available", color: nil)
        case .held?: SeatLook(glyph: ascii ? "h" : "◐", word: "held", color: .yellow)
        case .sold?: SeatLook(glyph: ascii ? "o" : "●", word: "sold", color: .blue)
        case .checkedIn?: SeatLook(glyph: ascii ? "#" : "■", word: "checked in", color: .green)
        case nil: SeatLook(glyph: "?", word: "unread", color: nil)
        }
    }
}

/// A row of bars for a series of counts (arrivals per minute), scaled to its peak.
enum Sparkline {
    static func render(_ values: [Int], ascii: Bool) -> String {
        let levels: [Character] = ascii ? ["_", ".", ":", "-", "=", "+", "*", "#"] : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let peak = values.max() ?? 0
        return String(values.map { value in
            guard peak > 0, value > 0 else { return levels[0] }
            // Any arrival shows above the baseline; the peak reaches the top.
            return levels[max(1, min(levels.count - 1, Int((Double(value) / Double(peak) * Double(levels.count - 1)).rounded(.up))))]
        })
    }
}
