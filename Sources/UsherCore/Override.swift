import Foundation

/// Letting a guest in anyway: a door turned a ticket away, and a supervisor, present
/// at the door, vouches for the guest by typing the PIN of their own device. The
/// admission is written down with who allowed it, why, and what it overrode.
public enum OverridePolicy {
    /// The denials a supervisor may override: a ticket that is genuine but not right
    /// for this door now (unpaid, too early or too late, another hall or show).
    /// Never a code that does not read as a ticket of ours (NOT_FOUND: forged, void,
    /// unknown), nor one already used (DUPLICATE): letting those in is not an
    /// exception to a rule, it is a second guest on one seat.
    public static func mayOverride(_ reason: ScanReason) -> Bool {
        switch reason {
        case .notSold, .holdNotPaid, .notYetValid, .eventEnded, .wrongHall, .wrongEvent: true
        case .valid, .override, .reentry, .exit, .malformed, .unknownSeat, .badSignature, .unknownKey, .revokedByTransfer,
            .alreadyCheckedIn, .offlineConflict:
            false
        }
    }

    /// Wrong PINs in a row that lock overrides on a door, and for how long: a guessed
    /// 4-digit PIN needs thousands of tries, so 5 per 5 minutes makes guessing useless.
    public static let maximumFailures = 5
    public static let lockout: TimeInterval = 300

    /// The reasons a door offers; staff may also type their own.
    public static let reasons = [
        "paid at the box office",
        "guest list",
        "venue staff or artist",
        "ticket for another show, seat free",
    ]

    /// Who owns a never-sold seat an override checked in, and the order it stands in.
    public static let unsoldOwner = "override"
    public static let unsoldOrder = "override"

    /// A supervisor's PIN: 4 to 8 digits, typed on a door's keypad.
    public static func pin(_ value: String) throws(InputError) -> String {
        guard (4...8).contains(value.utf8.count), value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw InputError(field: "pin", problem: "must be 4 to 8 digits")
        }
        return value
    }

    /// The longest override reason.
    public static let reasonMaxLength = 200
}

/// How a door stands with wrong supervisor PINs: a value, whose events return what
/// the store must write and tell. Stored per terminal, so every server agrees.
public struct OverrideLock: Sendable, Hashable {
    /// Wrong PINs since the last right one (or the last lockout).
    public var failures: Int
    /// Set while (and after) overrides are locked.
    public var lockedUntil: Date?

    public init(failures: Int = 0, lockedUntil: Date? = nil) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }

    /// Until when overrides are locked at `now`, or nil when they are not.
    public func locked(at now: Date) -> Date? {
        guard let lockedUntil, lockedUntil > now else { return nil }
        return lockedUntil
    }

    public enum Outcome: Sendable, Hashable {
        /// Wrong; `left` more wrong PINs lock the door.
        case wrong(left: Int)
        /// Wrong, and this one locked overrides on the door until then.
        case lockedNow(until: Date)
    }

    /// A wrong PIN at `now`. The 5th in a row locks the door and starts the count again.
    public mutating func wrongPIN(at now: Date) -> Outcome {
        failures += 1
        guard failures >= OverridePolicy.maximumFailures else {
            return .wrong(left: OverridePolicy.maximumFailures - failures)
        }
        failures = 0
        let until = now.addingTimeInterval(OverridePolicy.lockout)
        lockedUntil = until
        return .lockedNow(until: until)
    }

    /// A right PIN: the count starts again.
    public mutating func rightPIN() {
        failures = 0
    }
}
