import Foundation

/// Whether the door decides scans with the server or by itself (offline mode), as a
/// value: events in, the change (if any) out; the runner does the I/O.
///
/// - Only a check that gets no answer takes the door offline. A bad background
///   probe between scans does not: a blip the next guest never notices costs nothing.
/// - Offline, ``probesToReturn`` good probes in a row bring it back; a bad one
///   starts the count again, so a flapping server does not bounce the door.
/// - And not before this door's offline scans are uploaded: until then the server
///   does not know them, and a second copy of a ticket let in here offline would get
///   an online SUCCESS. (Rows the server refused do not hold it back: waiting would
///   not change them.)
/// - Staff may pin either side by hand (`f`): forced offline never returns by
///   probes, forced online never leaves (a check without an answer is NOT CHECKED,
///   as before offline mode). `f` again gives the door back to the automatic switch.
public struct DoorLink: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case online
        /// Deciding scans locally since `since`, because of `why` (the failure that
        /// took it offline, or staff).
        case offline(since: Date, why: String)
    }

    /// Staff's hand on the switch; nil: automatic.
    public enum Force: Sendable, Hashable {
        case forcedOffline
        case forcedOnline
    }

    /// What an event changed; the door redraws and re-routes scans by it.
    public enum Change: Sendable, Hashable {
        case wentOffline
        case wentOnline
    }

    /// Good probes in a row that bring an offline door back.
    public static let probesToReturn = 3

    public private(set) var state: State = .online
    public private(set) var force: Force?
    /// Good probes in a row since the last bad one (counted while offline only).
    public private(set) var goodProbes = 0
    /// Offline scans of this door still to upload (refused ones aside).
    public private(set) var uploadsPending = false

    /// `force` pins the switch from the start (e.g. a door started as online only).
    public init(force: Force? = nil, at now: Date = Date(timeIntervalSince1970: 0)) {
        self.force = force
        if force == .forcedOffline { state = .offline(since: now, why: Self.forcedWhy) }
    }

    static let forcedWhy = "forced offline by staff"

    public var isOffline: Bool {
        if case .offline = state { true } else { false }
    }

    /// When the door went offline; nil online.
    public var offlineSince: Date? {
        if case .offline(let since, _) = state { since } else { nil }
    }

    /// Why the door is offline; nil online.
    public var offlineWhy: String? {
        if case .offline(_, let why) = state { why } else { nil }
    }

    /// A check got no answer (UNAVAILABLE, a deadline, the breaker open): the server
    /// is out of reach for the guest in front of the door.
    @discardableResult
    public mutating func callUnanswered(why: String, at now: Date) -> Change? {
        guard force != .forcedOnline else { return nil }
        goodProbes = 0
        guard !isOffline else { return nil }
        state = .offline(since: now, why: why)
        return .wentOffline
    }

    /// The runner's background health check answered (`ok`) or not.
    @discardableResult
    public mutating func probed(ok: Bool, at now: Date) -> Change? {
        // Online, probes only matter once the door is offline again; a bad one
        // alone never takes it offline.
        guard isOffline else { return nil }
        // Counted even while forced offline, so giving the door back to the
        // automatic switch returns at once to a server that has been fine all along.
        goodProbes = ok ? goodProbes + 1 : 0
        return returnIfDue()
    }

    /// The journal's count changed: the door may go back once it is drained.
    @discardableResult
    public mutating func journalChanged(_ status: JournalStatus) -> Change? {
        uploadsPending = status.pending > status.refused
        return returnIfDue()
    }

    /// Good probes are in, and the door waits for its uploads only.
    public var waitsForUploads: Bool { isOffline && force == nil && goodProbes >= Self.probesToReturn && uploadsPending }

    /// Staff pressed `f`: automatic → pinned to the other side of what the door is
    /// now; pinned → automatic.
    @discardableResult
    public mutating func toggleForce(at now: Date) -> Change? {
        switch force {
        case nil where isOffline:
            force = .forcedOnline
            goodProbes = 0
            state = .online
            return .wentOnline
        case nil:
            force = .forcedOffline
            goodProbes = 0
            state = .offline(since: now, why: Self.forcedWhy)
            return .wentOffline
        case .forcedOffline?:
            force = nil
            return returnIfDue()
        case .forcedOnline?:
            // Stays online: the next check without an answer takes it offline.
            force = nil
            return nil
        }
    }

    private mutating func returnIfDue() -> Change? {
        guard force == nil, isOffline, goodProbes >= Self.probesToReturn, !uploadsPending else { return nil }
        state = .online
        goodProbes = 0
        return .wentOnline
    }
}
