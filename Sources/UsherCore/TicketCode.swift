/// What a ticket code names once parsed.
public struct TicketReference: Sendable, Hashable {
    public var seatID: String
    /// The ticket serial the code carries, when the format carries one.
    public var serial: Int64?

    public init(seatID: String, serial: Int64? = nil) {
        self.seatID = seatID
        self.serial = serial
    }
}

/// The one place that knows what a QR code holds.
///
/// For now a ticket code is the seat id itself. The signed format replaces the
/// bodies of ``parse(_:)`` and ``issue(seatID:serial:)``; nothing else changes.
public enum TicketCode {
    /// Longest code accepted at all; anything longer is a garbage request, not a scan.
    public static let maximumLength = 2048

    /// Reads a scanned code. Surrounding whitespace (a wedge scanner's newline) is ignored.
    /// Returns the NOT_FOUND reason when the code cannot be a ticket.
    public static func parse(_ code: String) -> Result<TicketReference, TicketCodeError> {
        let trimmed = code.trimmingASCIIWhitespace()
        guard InputRules.isIdentifier(trimmed) else { return .failure(.malformed) }
        return .success(TicketReference(seatID: trimmed))
    }

    /// The code for a freshly sold or transferred seat.
    public static func issue(seatID: String, serial: Int64) -> String {
        seatID
    }
}

public enum TicketCodeError: Error, Sendable, Hashable {
    case malformed
    case badSignature
    case unknownKey

    public var reason: ScanReason {
        switch self {
        case .malformed: .malformed
        case .badSignature: .badSignature
        case .unknownKey: .unknownKey
        }
    }
}
