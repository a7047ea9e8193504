import Foundation

/// Finding a guest without a code (`/` at the door): by seat ("A 12", "A12",
/// "10-2"), by order id, or by owner id, in the door's hall, among its events not
/// yet ended. The server answers (with an index for each); a door sees seats and
/// their states, never owner ids.
public struct SeatSearch: Sendable, Hashable {
    /// What staff typed, trimmed.
    public var text: String
    /// The seat it names, when it reads as a row and a seat number.
    public var seat: (row: String, number: Int)? { Self.seat(in: text) }

    /// More than this many matches is "narrow it down", not a list to scroll.
    public static let limit = 50

    public init(_ text: String) throws(InputError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw InputError(field: "query", problem: "is required") }
        guard trimmed.count <= 64 else { throw InputError(field: "query", problem: "must be at most 64 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw InputError(field: "query", problem: "must not contain control characters")
        }
        self.text = trimmed
    }

    public static func == (a: SeatSearch, b: SeatSearch) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// "A 12", "a-12", "A12", "row A seat 12", "10 2" → (row, number). Digits run
    /// together ("102") are not split: which digit starts the seat is a guess.
    static func seat(in text: String) -> (row: String, number: Int)? {
        var words = text.lowercased().split { $0 == " " || $0 == "-" || $0 == "/" || $0 == "," }.map(String.init)
        words.removeAll { $0 == "row" || $0 == "seat" }
        switch words.count {
        case 2:
            guard let number = Int(words[1]), number > 0 else { return nil }
            return (words[0].uppercased(), number)
        case 1:
            let word = words[0]
            guard let split = word.firstIndex(where: \.isNumber), split > word.startIndex,
                word[..<split].allSatisfy(\.isLetter), let number = Int(word[split...]), number > 0
            else { return nil }
            return (String(word[..<split]).uppercased(), number)
        default:
            return nil
        }
    }
}

/// What a search found: at most ``SeatSearch/limit`` seats, or that there were more.
public struct SeatSearchResult: Sendable, Hashable {
    public var seats: [Seat]
    /// More than ``SeatSearch/limit`` matched: `seats` is empty, narrow the search.
    public var tooMany: Bool

    public init(seats: [Seat], tooMany: Bool) {
        self.seats = seats
        self.tooMany = tooMany
    }
}
