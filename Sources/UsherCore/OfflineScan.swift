import Foundation

/// What a door adds when it uploads a scan it decided offline: when the code was
/// read by its own clock, how far that clock was off, and what the guest was told.
public struct OfflineScan: Sendable, Hashable {
    /// The terminal's clock when the code was read.
    public var scannedAt: Date
    /// The terminal's clock minus the server's, as measured at the door's last sync.
    public var clockSkew: TimeInterval
    /// The verdict the door showed: SUCCESS means the guest went in.
    public var shownResult: ScanResult

    public init(scannedAt: Date, clockSkew: TimeInterval, shownResult: ScanResult) {
        self.scannedAt = scannedAt
        self.clockSkew = clockSkew
        self.shownResult = shownResult
    }

    /// The scan's time by the server's clock: what the server stores.
    public var correctedScannedAt: Date { scannedAt.addingTimeInterval(-clockSkew) }
}
