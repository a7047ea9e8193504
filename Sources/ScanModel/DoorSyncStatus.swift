import Foundation

/// The door's last successful copy of what it needs to decide scans offline
/// (SyncDoor into its local store), as the runner reports it after each sync.
public struct DoorSyncStatus: Sendable, Hashable {
    /// When the copy was taken, by this terminal's clock.
    public var lastSyncAt: Date
    /// This terminal's clock minus the server's, in seconds, measured at that sync:
    /// positive when the terminal is ahead.
    public var clockSkew: TimeInterval
    /// Seats in the local copy.
    public var seats: Int

    public init(lastSyncAt: Date, clockSkew: TimeInterval, seats: Int) {
        self.lastSyncAt = lastSyncAt
        self.clockSkew = clockSkew
        self.seats = seats
    }

    /// Beyond this the door warns: offline admission times (and the admission
    /// windows the door decides by) would be off by more than staff would accept.
    public static let skewWarning: TimeInterval = 30

    public var skewNeedsWarning: Bool { abs(clockSkew) > Self.skewWarning }
}
