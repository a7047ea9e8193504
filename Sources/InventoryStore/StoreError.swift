import UsherCore

/// Everything a store call can fail with, in domain terms. The gRPC layer maps
/// these to status codes; PostgreSQL's own text never leaves this module.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case seatNotFound(seatID: String)
    /// A hall or event that does not exist (or, for an event, not in the hall asked
    /// about). The associated text is the whole sentence, e.g. "hall x does not exist".
    case notFound(String)
    /// Another transaction holds the seat's row lock (SQLSTATE 55P03); retry the whole call.
    case seatBusy(seatID: String)
    case rule(SeatRuleViolation)
    /// A request the state refuses, in a whole sentence (FAILED_PRECONDITION), for
    /// rules beyond one seat's (an annul of an admission already annulled).
    case refused(String)
    /// A good credential that may not do this to this record (a door annulling
    /// another door's admission); PERMISSION_DENIED.
    case permissionDenied(String)
    case invalidInput(InputError)
    /// The credential presented (a device token, an enrollment code) is unknown,
    /// revoked, used or expired; the text says which, without echoing the secret.
    case unauthenticated(String)
    /// Something with this name exists already (a device), and adding is not updating.
    case alreadyExists(String)
    /// The database did not answer in time or is down; the call may be retried.
    case unavailable(String)
    /// A broken invariant; details are in the server log only.
    case internalError(String)

    public var description: String {
        switch self {
        case .seatNotFound(let id): "seat \(id) does not exist"
        case .notFound(let sentence): sentence
        case .seatBusy(let id): "seat \(id) is being changed by another request; try again"
        case .rule(let violation): violation.description
        case .refused(let sentence), .permissionDenied(let sentence): sentence
        case .invalidInput(let error): error.description
        case .unauthenticated(let why): why
        case .alreadyExists(let sentence): sentence
        case .unavailable(let why): "database unavailable: \(why)"
        case .internalError(let why): "internal error: \(why)"
        }
    }
}
