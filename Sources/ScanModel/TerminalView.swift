/// The three screens of scan-tui.
public enum TerminalView: String, Sendable, Hashable, CaseIterable {
    case door
    case seatMap = "map"
    case occupancy

    /// `1`, `2`, `3`.
    public init?(key: Character) {
        switch key {
        case "1": self = .door
        case "2": self = .seatMap
        case "3": self = .occupancy
        default: return nil
        }
    }

    public var title: String {
        switch self {
        case .door: "door"
        case .seatMap: "seat map"
        case .occupancy: "occupancy"
        }
    }

    /// Tab's order.
    var next: TerminalView {
        switch self {
        case .door: .seatMap
        case .seatMap: .occupancy
        case .occupancy: .door
        }
    }
}

/// Who uses the terminal. A door terminal shows the door only, unless the
/// supervisor views are allowed on it.
public enum TerminalRole: String, Sendable, Hashable, CaseIterable {
    case door
    case supervisor
}
