import Foundation
import UsherCore

/// One physical scan, made by the model the moment a code is read: its identity
/// (`id` is the server's `scan_id`), the code, and when it was read. The effect
/// runner sends exactly this; every reply names the scan it answers.
public struct Scan: Sendable, Hashable, Identifiable {
    public var id: String
    public var code: String
    public var readAt: Date
    /// In or out: the door's direction when the code was read. A retry is the same
    /// scan, in the same direction, whatever the door is set to by then.
    public var direction: ScanDirection
    /// A seat staff picked from a search (a guest without a code): admitted by its
    /// seat. `code` is then "seat:" and the id, which the scan book knows it by.
    public var seatID: String?

    public init(id: String, code: String, readAt: Date, direction: ScanDirection = .entry, seatID: String? = nil) {
        self.id = id
        self.code = code
        self.readAt = readAt
        self.direction = direction
        self.seatID = seatID
    }
}

/// Which scans exist and which one a fresh read is: the door's scan identity.
///
/// - A read of a code whose scan is still in flight is that scan again (a scanner
///   that fires twice, a nervous tap): nothing new is sent.
/// - A read of a code whose last scan ended *without an answer* (UNAVAILABLE, a
///   deadline, the breaker open) within ``retryWindow`` is that scan retried: same
///   id, so a guest the server did admit is answered SUCCESS (replayed), never
///   DUPLICATE against their own door.
/// - Anything else is a new scan with a new id; in particular a code that already
///   got a verdict (a second scan after DUPLICATE must be decided again).
public struct ScanBook: Sendable, Hashable {
    /// How long a scan that got no answer may be retried under its own id.
    public static let retryWindow: TimeInterval = 10 * 60

    /// Unique to this run of the terminal (the shell picks it, a UUID): ids from
    /// two runs never collide.
    let session: String
    private var counter = 0
    /// Scans sent and not yet answered, by id.
    public private(set) var inFlight: [String: Scan] = [:]
    /// Scans that ended without an answer, by code, with when they ended.
    private var unanswered: [String: Unanswered] = [:]

    private struct Unanswered: Sendable, Hashable {
        var scan: Scan
        var endedAt: Date
        /// The call that got no answer was an admission: its retry must be one too
        /// (a verify would decide afresh and could say DUPLICATE to the admitted guest).
        var wasAdmission: Bool
    }

    public init(session: String) {
        self.session = session
    }

    public enum Read: Sendable, Hashable {
        /// A scan to send: new, or retried under its earlier id. `admit` is true when
        /// the retried call was an admission, whatever the door's mode now.
        case send(Scan, retryAdmission: Bool)
        /// This code's scan is still in flight: wait for its answer.
        case alreadyInFlight(Scan)
    }

    /// A code was read at `now`: which scan it is.
    public mutating func read(_ code: String, at now: Date, direction: ScanDirection = .entry, seatID: String? = nil) -> Read {
        if let pending = inFlight.values.first(where: { $0.code == code }) { return .alreadyInFlight(pending) }
        forgetOld(now: now)
        var scan: Scan
        var retryAdmission = false
        // Retried only the same way: an exit that went unanswered is not the entry of the
        // guest coming back (the door was switched since); that is a scan of its own.
        if let earlier = unanswered.removeValue(forKey: code), earlier.scan.direction == direction {
            scan = earlier.scan
            scan.readAt = now
            retryAdmission = earlier.wasAdmission
        } else {
            counter += 1
            scan = Scan(id: "\(session)-\(counter)", code: code, readAt: now, direction: direction, seatID: seatID)
        }
        inFlight[scan.id] = scan
        return .send(scan, retryAdmission: retryAdmission)
    }

    /// The same scan is sent again (confirm mode: the preview was verified, Enter admits).
    mutating func resend(_ scan: Scan) {
        inFlight[scan.id] = scan
    }

    /// The scan's call got no answer and it is decided again at once, locally (the
    /// door went offline), under the same id: it is in flight again. Its no-answer
    /// record stays until that decision ends, so a decision that cannot be made
    /// leaves it retryable as before.
    public mutating func redecide(_ scan: Scan) {
        inFlight[scan.id] = scan
    }

    /// A local decision that could not be made (the store never synced, a disk
    /// error): the server heard nothing new, so the scan's no-answer record (if any)
    /// stays as it was. Returns the scan, or nil for an id that is not in flight.
    public mutating func finishedUndecided(_ id: String) -> Scan? {
        inFlight.removeValue(forKey: id)
    }

    /// The scan's call ended. `answered` is false when the server may not have
    /// heard it or its answer was lost: the next read of the code retries it.
    /// Returns the scan, or nil for an id that is not in flight.
    public mutating func finished(_ id: String, answered: Bool, admission: Bool, at now: Date) -> Scan? {
        guard let scan = inFlight.removeValue(forKey: id) else { return nil }
        if answered {
            unanswered.removeValue(forKey: scan.code)
        } else {
            unanswered[scan.code] = Unanswered(scan: scan, endedAt: now, wasAdmission: admission)
        }
        return scan
    }

    private mutating func forgetOld(now: Date) {
        unanswered = unanswered.filter { now.timeIntervalSince($0.value.endedAt) <= Self.retryWindow }
    }
}
