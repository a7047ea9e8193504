import Foundation

/// Undoing a mistaken admission (staff scanned the wrong ticket, or a guest turned
/// back at the door): the seat goes back to SOLD and the ticket admits again. Like
/// pretix's annul by nonce, an annul names the scan it undoes by that scan's id.
public enum AnnulPolicy {
    /// How long after its own admission a door may annul it. Later, or another
    /// door's, is a supervisor's call: by then the guest is inside, and an annul
    /// from the door is no longer "I scanned the wrong ticket".
    public static let doorWindow: TimeInterval = 120

    /// The reasons a door offers; staff may also type their own.
    public static let reasons = [
        "scanned the wrong ticket",
        "guest did not go in",
        "scanned for the wrong guest",
        "test scan",
    ]

    /// Why a door may not annul `admission`, or nil when it may (a supervisor or an
    /// admin may annul any admission). `now` is the server's clock.
    public static func doorRefusal(_ admission: CheckIn, terminalID: String, now: Date) -> DoorRefusal? {
        guard admission.terminalID == terminalID else { return .anotherDoor(admission) }
        guard now.timeIntervalSince(admission.at) <= doorWindow else { return .tooOld(admission) }
        return nil
    }

    public enum DoorRefusal: Sendable, Hashable, CustomStringConvertible {
        /// Admitted at another terminal (PERMISSION_DENIED).
        case anotherDoor(CheckIn)
        /// Admitted here more than ``doorWindow`` ago (FAILED_PRECONDITION).
        case tooOld(CheckIn)

        public var description: String {
            switch self {
            case .anotherDoor(let admission):
                "that admission was made at \(admission.terminalID); only a supervisor can annul it"
            case .tooOld(let admission):
                "that admission was made at \(Timestamps.utc(admission.at)), more than "
                    + "\(Int(doorWindow / 60)) minutes ago; only a supervisor can annul it now"
            }
        }
    }
}

/// An annul as the door or supervisor asks for it.
public struct AnnulRequest: Sendable, Hashable {
    /// Which admission to undo.
    public enum Admission: Sendable, Hashable {
        /// The one a scan made, by its scan id (MarkCheckedIn's): what a door knows.
        case scan(String)
        /// The one a seat is checked in by now: what a supervisor's seat details show,
        /// at the revision they show (refused if the seat changed since: the details
        /// were of another admission).
        case seat(String, revision: Int64)
    }

    public var admission: Admission
    /// This annul's own idempotency key: a retry with it is answered as a replay.
    public var annulID: String
    /// Why, in staff's words (the audit trail's).
    public var reason: String
    public var staffID: String
    /// The device asking (its name); a door may only annul its own admissions.
    public var terminalID: String

    public init(admission: Admission, annulID: String, reason: String, staffID: String, terminalID: String) {
        self.admission = admission
        self.annulID = annulID
        self.reason = reason
        self.staffID = staffID
        self.terminalID = terminalID
    }
}

/// What an annul did: the seat as it is now (SOLD again), when the admission was
/// annulled, and whether this answer repeats an earlier one (a retried annul).
public struct AnnulOutcome: Sendable, Hashable {
    public var seat: Seat
    /// The admission that was undone.
    public var admission: CheckIn
    public var annulledAt: Date
    public var replayed: Bool
    /// The `entry_logs` row of the annul.
    public var logID: Int64

    public init(seat: Seat, admission: CheckIn, annulledAt: Date, replayed: Bool, logID: Int64) {
        self.seat = seat
        self.admission = admission
        self.annulledAt = annulledAt
        self.replayed = replayed
        self.logID = logID
    }

    /// The sentence staff see.
    public var message: String {
        "Admission of seat \(seat.seatID) annulled\(replayed ? " (already, at \(Timestamps.utc(annulledAt)))" : ""); "
            + "the ticket admits again"
    }
}
