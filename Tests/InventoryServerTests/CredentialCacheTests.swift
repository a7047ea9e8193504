import Synchronization
import Testing
import UsherCore

@testable import InventoryService
@testable import InventoryStore

@Suite("Credential cache")
struct CredentialCacheTests {
    /// A hand-driven clock and a counting look-up: what the cache answers itself and
    /// what it asks the database, at each moment.
    final class Harness: Sendable {
        final class Clock: Sendable {
            let now = Mutex(ContinuousClock.now)
        }
        let clock = Clock()
        let lookUps = Mutex(0)
        let answer = Mutex<Result<DeviceIdentity, StoreError>>(.failure(.unauthenticated("unknown device credential")))
        let cache: CredentialCache

        init() {
            let clock = self.clock
            cache = CredentialCache(now: { clock.now.withLock { $0 } })
        }

        func advance(_ by: Duration) { clock.now.withLock { $0 += by } }

        func device(_ token: String) async -> Result<DeviceIdentity, StoreError> {
            do {
                return .success(try await cache.device(token: token) { _ throws(StoreError) in
                    lookUps.withLock { $0 += 1 }
                    return try answer.withLock { $0 }.get()
                })
            } catch { return .failure(error) }
        }
    }

    @Test func aConfirmationIsReusedForASecondOnly() async throws {
        let harness = Harness()
        let door = try DeviceIdentity(name: "door-1", role: .door, hallID: "main")
        harness.answer.withLock { $0 = .success(door) }
        #expect(await harness.device("token-a") == .success(door))
        harness.advance(.milliseconds(900))
        #expect(await harness.device("token-a") == .success(door))
        #expect(harness.lookUps.withLock { $0 } == 1, "within the second: no look-up")
        // Revoked meanwhile: once the second has passed, the database is asked again.
        harness.answer.withLock { $0 = .failure(.unauthenticated("device door-1 is revoked")) }
        harness.advance(.milliseconds(100))
        #expect(await harness.device("token-a") == .failure(.unauthenticated("device door-1 is revoked")))
        #expect(await harness.device("token-a") == .failure(.unauthenticated("device door-1 is revoked")))
        #expect(harness.lookUps.withLock { $0 } == 3, "a refusal is never remembered")
    }

    @Test func tokensAreKeptApart() async throws {
        let harness = Harness()
        let door = try DeviceIdentity(name: "door-1", role: .door, hallID: "main")
        harness.answer.withLock { $0 = .success(door) }
        #expect(await harness.device("token-a") == .success(door))
        harness.answer.withLock { $0 = .failure(.unauthenticated("unknown device credential")) }
        #expect(await harness.device("token-b") == .failure(.unauthenticated("unknown device credential")))
        #expect(harness.lookUps.withLock { $0 } == 2)
    }
}
