import Foundation

/// Which way a door counts people: in, or out. A door set to both toggles between them.
public enum ScanDirection: String, Sendable, Hashable, CaseIterable {
    case entry
    case exit
}

/// Why an exit scan was not recorded. Not a verdict (the six verdicts answer "may this
/// guest come in?"): the exit door says it in words, and the guest is not stopped.
public enum ExitRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The ticket has not been used to enter (or its admission was undone).
    case notInside
    /// The show has no re-entry: a guest who leaves cannot come back, so an exit is
    /// not a thing to record (it would promise a way back in).
    case noReentry(event: String)
    /// Scanned out already, and not back in since.
    case alreadyOutside(since: Date)

    /// The word stored in `entry_logs.reason` for the refused exit.
    public var logReason: String {
        switch self {
        case .notInside: "not inside"
        case .noReentry: "no re-entry"
        case .alreadyOutside: "already outside"
        }
    }

    public var description: String {
        switch self {
        case .notInside:
            "this ticket is not inside: it was never scanned in (or its admission was undone)"
        case .noReentry(let event):
            "no re-entry for \(event): a guest who leaves cannot come back in, so exits are not recorded"
        case .alreadyOutside(let since):
            "already scanned out at \(Timestamps.utc(since)), and not back in since"
        }
    }
}

/// What an exit scan comes to: a verdict (the code's own problems, said as an entry
/// scan would say them, or SUCCESS: stepped out), or a refusal in words.
public enum ExitDecision: Sendable, Hashable {
    case verdict(ScanVerdict)
    case refused(ExitRefusal)
}

extension ScanVerdict {
    /// Decides an exit scan. A code that is not ours, or not for this hall or show,
    /// is the same NOT_FOUND or WRONG_HALL as at an entry; the show's window and the
    /// payment do not matter to someone leaving. Then: inside, on a show with
    /// re-entry, and not already out.
    public static func decideExit(_ lookup: TicketLookup, at door: DoorPost, now: Date) -> ExitDecision {
        let entry = decide(lookup, at: door, now: now, action: .verify)
        switch entry.result {
        case .notFound, .wrongHall: return .verdict(entry)
        case .success, .duplicate, .unpaid, .expired: break
        }
        guard case .found(let subject, _) = lookup, case .checkedIn(_, _, let checkIn) = subject.state else {
            return .refused(.notInside)
        }
        if let since = subject.outsideSince { return .refused(.alreadyOutside(since: since)) }
        guard subject.event.reentry else { return .refused(.noReentry(event: subject.event.name)) }
        return .verdict(
            ScanVerdict(
                reason: .exit, firstCheckIn: checkIn,
                message: "Out: seat \(subject.seatID) stepped out; re-entry allowed"))
    }
}
