import Foundation

/// What a door says about itself on each sync, so supervisors see every door at
/// once: is it checking offline, how many scans wait to upload, how far off is its
/// clock.
public struct DoorReport: Sendable, Hashable {
    /// Deciding scans locally (offline mode).
    public var offline: Bool
    /// Staff pinned the door (offline or online) by hand.
    public var forced: Bool
    /// Offline scans in its journal the server has not acknowledged.
    public var pendingUploads: Int
    /// Its clock minus the server's, as of its previous sync.
    public var clockSkew: TimeInterval

    /// The largest clock skew taken as a measurement (a century: a door that booted
    /// at 1970 is still a door with a clock that is off); beyond it a number is garbage.
    public static let maxClockSkew: TimeInterval = 100 * 365.25 * 86_400

    public init(offline: Bool, forced: Bool, pendingUploads: Int, clockSkew: TimeInterval) {
        self.offline = offline
        self.forced = forced
        self.pendingUploads = pendingUploads
        self.clockSkew = clockSkew
    }
}

/// An enrolled door as supervisors see it: how it stood at its last sync.
public struct DoorStatus: Sendable, Hashable {
    public var terminalID: String
    public var hallID: String
    /// The server's clock at the door's last sync; nil: it never synced.
    public var lastSyncAt: Date?
    /// What it said then; nil when it never synced.
    public var report: DoorReport?
    /// Until when overrides are locked on the door (5 wrong supervisor PINs), while they are.
    public var overridesLockedUntil: Date?

    /// A door syncs every few seconds while it reaches the server; one silent this
    /// long does not (it is offline, or switched off).
    public static let contactLostAfter: TimeInterval = 15

    public init(
        terminalID: String, hallID: String, lastSyncAt: Date?, report: DoorReport?, overridesLockedUntil: Date? = nil
    ) {
        self.terminalID = terminalID
        self.hallID = hallID
        self.lastSyncAt = lastSyncAt
        self.report = report
        self.overridesLockedUntil = overridesLockedUntil
    }

    /// Whether the door reached the server lately, judged on the server's clock.
    public func inContact(at serverTime: Date) -> Bool {
        guard let lastSyncAt else { return false }
        return serverTime.timeIntervalSince(lastSyncAt) < Self.contactLostAfter
    }
}

/// ListDoors: every enrolled door, and the server's clock to judge them by.
public struct DoorBoard: Sendable, Hashable {
    public var doors: [DoorStatus]
    public var serverTime: Date

    public init(doors: [DoorStatus], serverTime: Date) {
        self.doors = doors
        self.serverTime = serverTime
    }
}
