/// The verdict a door shows. Raw values are the words stored in `entry_logs.result`.
public enum ScanResult: String, Sendable, Hashable, CaseIterable, Codable {
    case success = "SUCCESS"
    case duplicate = "DUPLICATE"
    case wrongHall = "WRONG_HALL"
    case unpaid = "UNPAID"
    case notFound = "NOT_FOUND"
    case expired = "EXPIRED"
}

/// Why a scan got its verdict. Raw values are stored in `entry_logs.reason`.
public enum ScanReason: String, Sendable, Hashable, CaseIterable, Codable {
    case valid = "valid"
    case malformed = "malformed"
    case unknownSeat = "unknown seat"
    case badSignature = "bad signature"
    case unknownKey = "unknown key"
    case revokedByTransfer = "revoked (transferred)"
    case wrongHall = "wrong hall"
    /// Right hall, but the door is pinned to another of its events.
    case wrongEvent = "wrong event"
    /// The ticket's event has not opened its doors yet.
    case notYetValid = "not yet valid"
    case eventEnded = "event ended"
    case notSold = "not sold"
    case holdNotPaid = "hold not paid"
    case alreadyCheckedIn = "already checked in"
    /// An uploaded offline admission of a ticket already admitted (elsewhere, or
    /// offline at another door): recorded as a ``ScanConflict``.
    case offlineConflict = "offline conflict"
    /// A supervisor let the guest in despite a denial (``OverridePolicy``).
    case override = "override"
    /// A guest who stepped out (an exit scan) came back in, on an event with re-entry.
    case reentry = "re-entry"
    /// An exit scan: the guest stepped out, and may come back in.
    case exit = "exit"

    /// The verdict each reason belongs to; one owner for that mapping.
    public var result: ScanResult {
        switch self {
        case .valid, .override, .reentry, .exit: .success
        case .malformed, .unknownSeat, .badSignature, .unknownKey, .revokedByTransfer: .notFound
        case .wrongHall, .wrongEvent: .wrongHall
        case .notYetValid, .eventEnded: .expired
        case .notSold, .holdNotPaid: .unpaid
        case .alreadyCheckedIn, .offlineConflict: .duplicate
        }
    }
}
