import Foundation

/// Why a seat event was refused. Every case is a state problem the caller must
/// fix before retrying (gRPC FAILED_PRECONDITION), except lock contention, which
/// the store reports separately.
public enum SeatRuleViolation: Error, Sendable, Hashable, CustomStringConvertible {
    case heldByAnotherUser(until: Date)
    case alreadySold
    case notHeld
    case holdExpired
    case notSold
    case notOwner
    case alreadyCheckedIn
    case sameOwner
    /// An annul of a ticket that is not inside.
    case notCheckedIn
    /// An annul of an admission the seat is no longer checked in by: `current` let
    /// the guest in since.
    case notThisAdmission(current: CheckIn)
    /// An override of a denial decided on an earlier state of the seat.
    case changedSince

    public var description: String {
        switch self {
        case .heldByAnotherUser(let until):
            "seat is held by another user until \(Timestamps.utc(until))"
        case .alreadySold: "seat is already sold"
        case .notHeld: "seat is not held by this user"
        case .holdExpired: "the hold has expired; reserve the seat again"
        case .notSold: "seat is not sold"
        case .notOwner: "seat is owned by another user"
        case .alreadyCheckedIn: "ticket has already been used to enter"
        case .sameOwner: "from_user_id and to_user_id are the same"
        case .notCheckedIn: "the ticket is not checked in"
        case .changedSince: "the seat changed since the ticket was scanned; scan it again"
        case .notThisAdmission(let current):
            "the ticket was admitted again since, at \(Timestamps.utc(current.at)) by \(current.terminalID)"
        }
    }
}
