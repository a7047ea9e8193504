/// Where a seat is in its life: AVAILABLE → HELD → SOLD → CHECKED_IN, or HELD → AVAILABLE.
///
/// The raw values are the words stored in the database and shown in logs.
public enum SeatStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case available = "AVAILABLE"
    case held = "HELD"
    case sold = "SOLD"
    case checkedIn = "CHECKED_IN"
}
