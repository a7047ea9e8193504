import Foundation

/// The seat state machine. A value: each event method checks the rule, moves the
/// state and returns what happened; the caller (the store) does the I/O.
///
/// Expired holds are treated as AVAILABLE by every event, so a lapsed hold can
/// never block a sale even before the sweeper has released it.
public enum SeatState: Sendable, Hashable {
    case available
    case held(by: String, until: Date)
    case sold(owner: String, orderID: String)
    case checkedIn(owner: String, orderID: String, checkIn: CheckIn)

    public var status: SeatStatus {
        switch self {
        case .available: .available
        case .held: .held
        case .sold: .sold
        case .checkedIn: .checkedIn
        }
    }

    public var ownerUserID: String? {
        switch self {
        case .sold(let owner, _), .checkedIn(let owner, _, _): owner
        case .available, .held: nil
        }
    }

    /// True when the seat is free to reserve at `now` (AVAILABLE, or a lapsed hold).
    public func isAvailable(at now: Date) -> Bool {
        switch self {
        case .available: true
        case .held(_, let until): until <= now
        case .sold, .checkedIn: false
        }
    }

    /// What a successful event did, so the caller knows what to write and schedule.
    public enum Effect: Sendable, Hashable {
        /// A new hold; schedule its expiry for `until`.
        case holdPlaced(until: Date)
        /// The holder reserved again; the hold now lasts until `until`.
        case holdRenewed(until: Date)
        case holdReleased
        /// HELD → SOLD: a ticket must be issued.
        case sold
        /// The same order was confirmed again (a retry); nothing changes.
        case alreadySold
        /// SOLD → SOLD with a new owner: the ticket must be re-issued.
        case ownerChanged(previousOwner: String)
        /// The transfer was already made (a retry); nothing changes.
        case alreadyTransferred
        case checkedIn(CheckIn)
        /// CHECKED_IN → SOLD: this admission was annulled; the ticket admits again.
        case checkInAnnulled(CheckIn)

        /// Whether the seat row changes (and its revision grows).
        public var changesSeat: Bool {
            switch self {
            case .alreadySold, .alreadyTransferred: false
            default: true
            }
        }
    }

    /// AVAILABLE → HELD. The holder reserving again renews the hold, so a retried
    /// ReserveSeat is harmless.
    public mutating func reserve(by user: String, until: Date, now: Date) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .available:
            self = .held(by: user, until: until)
            return .holdPlaced(until: until)
        case .held(let holder, let heldUntil):
            if heldUntil <= now {
                self = .held(by: user, until: until)
                return .holdPlaced(until: until)
            }
            guard holder == user else { throw .heldByAnotherUser(until: heldUntil) }
            self = .held(by: user, until: until)
            return .holdRenewed(until: until)
        case .sold, .checkedIn:
            throw .alreadySold
        }
    }

    /// HELD → AVAILABLE, only by the holder. The holder may release a hold that has
    /// already lapsed (the seat was free anyway); that keeps retries harmless.
    public mutating func release(by user: String, now: Date) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .held(let holder, let heldUntil):
            if holder == user {
                self = .available
                return .holdReleased
            }
            if heldUntil <= now { throw .notHeld }
            throw .heldByAnotherUser(until: heldUntil)
        case .available:
            throw .notHeld
        case .sold, .checkedIn:
            throw .alreadySold
        }
    }

    /// HELD → SOLD; the holder becomes the owner. Confirming the same order again
    /// is a no-op that reports success, so a payment callback may be retried.
    public mutating func confirm(by user: String, orderID: String, now: Date) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .held(let holder, let heldUntil):
            guard heldUntil > now else {
                throw holder == user ? .holdExpired : .notHeld
            }
            guard holder == user else { throw .heldByAnotherUser(until: heldUntil) }
            self = .sold(owner: user, orderID: orderID)
            return .sold
        case .available:
            throw .notHeld
        case .sold(let owner, let soldOrder):
            if owner == user && soldOrder == orderID { return .alreadySold }
            throw .alreadySold
        case .checkedIn:
            throw .alreadySold
        }
    }

    /// SOLD → SOLD with a new owner (a peer-to-peer transfer), only from the current
    /// owner. Not allowed once the guest has entered: the ticket has been used.
    ///
    /// A retry is recognised by its `transferID`: the one that made `to` the owner
    /// (`lastTransferID`) is reported done without a change, so a transfer whose reply
    /// was lost does not fail. "`to` already owns it" alone is *not* a retry: anyone
    /// could otherwise name the owner as `to` and be handed the owner's valid code.
    public mutating func transfer(
        from: String, to: String, transferID: String? = nil, lastTransferID: String? = nil
    ) throws(SeatRuleViolation) -> Effect {
        guard from != to else { throw .sameOwner }
        switch self {
        case .sold(let owner, let orderID):
            if owner == to, let transferID, transferID == lastTransferID { return .alreadyTransferred }
            guard owner == from else { throw .notOwner }
            self = .sold(owner: to, orderID: orderID)
            return .ownerChanged(previousOwner: owner)
        case .checkedIn:
            throw .alreadyCheckedIn
        case .available, .held:
            throw .notSold
        }
    }

    /// SOLD → CHECKED_IN. Scans decide their verdict with ``ScanVerdict/decide(_:at:now:action:)``
    /// first; this is the state change behind a SUCCESS.
    public mutating func checkIn(_ checkIn: CheckIn) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .sold(let owner, let orderID):
            self = .checkedIn(owner: owner, orderID: orderID, checkIn: checkIn)
            return .checkedIn(checkIn)
        case .checkedIn:
            throw .alreadyCheckedIn
        case .available, .held:
            throw .notSold
        }
    }

    /// → CHECKED_IN on a supervisor's word (``OverridePolicy``): a sold seat as a
    /// check-in does; an unpaid one (never sold, or held) too, so the guest's seat is
    /// taken from then on (nobody can buy it, and a second scan is DUPLICATE). Its
    /// owner is then the holder, or ``OverridePolicy/unsoldOwner``.
    public mutating func overrideCheckIn(_ checkIn: CheckIn) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .sold(let owner, let orderID):
            self = .checkedIn(owner: owner, orderID: orderID, checkIn: checkIn)
        case .held(let holder, _):
            self = .checkedIn(owner: holder, orderID: OverridePolicy.unsoldOrder, checkIn: checkIn)
        case .available:
            self = .checkedIn(owner: OverridePolicy.unsoldOwner, orderID: OverridePolicy.unsoldOrder, checkIn: checkIn)
        case .checkedIn:
            throw .alreadyCheckedIn
        }
        return .checkedIn(checkIn)
    }

    /// CHECKED_IN → SOLD, undoing `admission` (a mistaken scan): the owner and order
    /// stay, and the ticket admits again (an unsold seat an override let in goes back
    /// to AVAILABLE, and its ticket is UNPAID again). Only the admission the seat is checked in
    /// by can be annulled: one annulled already (the guest was let in again since) or
    /// another door's is refused, so an annul never undoes a later admission.
    public mutating func annul(_ admission: CheckIn) throws(SeatRuleViolation) -> Effect {
        switch self {
        case .checkedIn(let owner, let orderID, let checkIn):
            guard checkIn.terminalID == admission.terminalID, checkIn.at == admission.at else {
                throw .notThisAdmission(current: checkIn)
            }
            // An unsold seat an override let in goes back to unsold: undoing the
            // override must not leave a paid-looking ticket behind.
            self = orderID == OverridePolicy.unsoldOrder ? .available : .sold(owner: owner, orderID: orderID)
            return .checkInAnnulled(checkIn)
        case .available, .held, .sold:
            throw .notCheckedIn
        }
    }
}
