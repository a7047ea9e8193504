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
    case eventEnded = "event ended"
    case notSold = "not sold"
    case holdNotPaid = "hold not paid"
    case alreadyCheckedIn = "already checked in"

    /// The verdict each reason belongs to; one owner for that mapping.
    public var result: ScanResult {
        switch self {
        case .valid: .success
        case .malformed, .unknownSeat, .badSignature, .unknownKey, .revokedByTransfer: .notFound
        case .wrongHall: .wrongHall
        case .eventEnded: .expired
        case .notSold, .holdNotPaid: .unpaid
        case .alreadyCheckedIn: .duplicate
        }
    }
}
