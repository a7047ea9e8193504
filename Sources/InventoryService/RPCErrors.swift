import GRPCCore
import InventoryStore
import UsherCore

/// Status codes by the litmus test in GRPCCore's RPCError:
/// - INVALID_ARGUMENT: the request itself is wrong; retrying it cannot help.
/// - NOT_FOUND: the seat, hall or event does not exist (an event asked for in a
///   hall that does not hold it counts as not existing there: the request is
///   well-formed, and would succeed once such an event is imported).
/// - FAILED_PRECONDITION: the seat is in the wrong state; fix that first.
/// - ABORTED: a box-office write lost a race for the seat's lock; retry the whole
///   read-modify-write. Never a scan's answer: scans wait briefly and retry inside
///   the server, and what remains is UNAVAILABLE (InventoryStore.scanCall).
/// - UNAVAILABLE: the database is down or slow; retrying the same call is safe.
/// - UNAUTHENTICATED: no credential, or one that is unknown, revoked, used or expired.
/// - PERMISSION_DENIED: a good credential whose role or hall does not allow the call.
/// - ALREADY_EXISTS: adding a device under a name that is taken.
/// Messages are ours; database text never reaches a client.
extension RPCError {
    init(_ error: StoreError) {
        switch error {
        case .seatNotFound, .notFound:
            self.init(code: .notFound, message: error.description)
        case .seatBusy:
            self.init(code: .aborted, message: "the seat is being changed by another request; try again")
        case .rule, .refused:
            self.init(code: .failedPrecondition, message: error.description)
        case .permissionDenied(let why):
            self.init(code: .permissionDenied, message: why)
        case .invalidInput(let input):
            self.init(code: .invalidArgument, message: input.description)
        case .unauthenticated(let why):
            self.init(code: .unauthenticated, message: why)
        case .alreadyExists(let sentence):
            self.init(code: .alreadyExists, message: sentence)
        case .unavailable:
            self.init(code: .unavailable, message: "the inventory database is unavailable; try again shortly")
        case .internalError:
            self.init(code: .internalError, message: "internal error; see the server log")
        }
    }

    init(_ error: InputError) {
        self.init(code: .invalidArgument, message: error.description)
    }
}
