import Foundation

/// A scan's verdict with its reason and a sentence for door staff.
///
/// ``decide(_:at:now:action:)`` is the one owner of the verdict order:
/// NOT_FOUND → WRONG_HALL (hall, then a pinned door's event) → EXPIRED (before
/// doors, after the end) → UNPAID → DUPLICATE → SUCCESS.
public struct ScanVerdict: Sendable, Hashable {
    public var reason: ScanReason
    /// The admission that used the ticket first (DUPLICATE; and SUCCESS once applied).
    public var firstCheckIn: CheckIn?
    public var message: String

    public var result: ScanResult { reason.result }

    public init(reason: ScanReason, firstCheckIn: CheckIn? = nil, message: String) {
        self.reason = reason
        self.firstCheckIn = firstCheckIn
        self.message = message
    }

    public static func decide(
        _ lookup: TicketLookup, at door: DoorPost, now: Date, action: ScanAction
    ) -> ScanVerdict {
        let subject: ScanSubject
        switch lookup {
        case .unreadable(let reason):
            return ScanVerdict(reason: reason, message: Self.unreadableMessage(reason))
        case .unknownSeat:
            return ScanVerdict(reason: .unknownSeat, message: "Unknown ticket: no such seat at this venue")
        case .found(let found, let codeSerial):
            if let codeSerial, codeSerial != found.ticketSerial {
                return ScanVerdict(
                    reason: .revokedByTransfer,
                    message: "Ticket void: it was re-issued (transferred) to someone else")
            }
            subject = found
        }
        let event = subject.event
        let zone = door.timeZone
        if subject.hallID != door.hallID {
            return ScanVerdict(
                reason: .wrongHall,
                message: "Wrong hall: ticket is for hall \(subject.hallID), this door is \(door.hallID)")
        }
        if let pinned = door.eventID, pinned != event.eventID {
            return ScanVerdict(
                reason: .wrongEvent,
                message: "Wrong show: this ticket is for \(event.label(in: zone)), not \(pinned)")
        }
        switch event.position(at: now) {
        case .beforeDoors:
            return ScanVerdict(
                reason: .notYetValid,
                message: "Not yet: doors open \(Timestamps.clock(event.doorsAt, in: zone)) "
                    + "(\(event.name), \(Timestamps.day(event.doorsAt, in: zone)))")
        case .ended:
            return ScanVerdict(
                reason: .eventEnded,
                message: "Expired: \(event.name) ended \(Timestamps.utc(event.endsAt))")
        case .open:
            break
        }
        switch subject.state {
        case .available:
            return ScanVerdict(reason: .notSold, message: "Unpaid: seat \(subject.seatID) was never sold")
        case .held(_, let until) where until <= now:
            return ScanVerdict(reason: .notSold, message: "Unpaid: the hold on seat \(subject.seatID) lapsed unpaid")
        case .held:
            return ScanVerdict(reason: .holdNotPaid, message: "Unpaid: seat \(subject.seatID) is on hold, not paid")
        case .checkedIn(_, _, let checkIn) where subject.outsideSince != nil:
            return ScanVerdict(
                reason: .reentry, firstCheckIn: checkIn,
                message: "Re-entry: seat \(subject.seatID), out since \(Timestamps.clock(subject.outsideSince ?? now, in: zone))")
        case .checkedIn(_, _, let checkIn):
            return ScanVerdict(
                reason: .alreadyCheckedIn, firstCheckIn: checkIn,
                message: "Already checked in \(Timestamps.utc(checkIn.at)) at terminal \(checkIn.terminalID)")
        case .sold:
            return ScanVerdict(
                reason: .valid,
                message: action == .admit ? "Admitted: seat \(subject.seatID)" : "Valid ticket: seat \(subject.seatID)")
        }
    }

    private static func unreadableMessage(_ reason: ScanReason) -> String {
        switch reason {
        case .badSignature: "Forged or damaged ticket: the signature does not match"
        case .unknownKey: "Ticket signed by an unknown key"
        case .revokedByTransfer: "Ticket void: it was re-issued (transferred)"
        default: "Not a ticket code"
        }
    }
}
