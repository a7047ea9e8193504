import Foundation
import InventoryStore
import Synchronization
import UsherCore

/// Credentials the database confirmed within the last ``freshness``, so a door's scans
/// do not each pay a round trip to look its token up.
///
/// Why: a check-in is two round trips (issue 15); looking the token up on every call
/// made it three, for an answer that changes a few times a year per device. What it
/// costs: a revoked or rolled credential keeps working for at most ``freshness`` on a
/// server that confirmed it just before (the README says so). Only confirmations are
/// kept; an unknown or revoked token is looked up, and refused, every time. Keyed by
/// the token's SHA-256, as the database keys it, so no token outlives its call here.
final class CredentialCache: Sendable {
    static let freshness: Duration = .seconds(1)
    /// Far above any venue's device count; reaching it drops the stale entries first.
    static let capacity = 10_000

    private struct Entry {
        var device: DeviceIdentity
        var confirmedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[Data: Entry]>([:])
    private let now: @Sendable () -> ContinuousClock.Instant

    init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    /// The device `token` belongs to: from the cache when confirmed within
    /// ``freshness``, otherwise from `lookUp`, whose confirmation is then kept.
    func device(
        token: String, lookUp: (String) async throws(StoreError) -> DeviceIdentity
    ) async throws(StoreError) -> DeviceIdentity {
        let key = Data(DeviceSecret.digest(token))
        let asked = now()
        let cached = entries.withLock { entries -> DeviceIdentity? in
            guard let entry = entries[key] else { return nil }
            if entry.confirmedAt.duration(to: asked) < Self.freshness { return entry.device }
            entries[key] = nil
            return nil
        }
        if let cached { return cached }
        let device = try await lookUp(token)
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.confirmedAt.duration(to: asked) < Self.freshness }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            // Stamped with when the look-up was asked, not answered: freshness never
            // extends past what the database said at that moment.
            entries[key] = Entry(device: device, confirmedAt: asked)
        }
        return device
    }
}
