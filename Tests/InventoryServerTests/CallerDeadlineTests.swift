import Logging
import PostgresNIO
import Testing

@testable import InventoryService
@testable import InventoryStore

/// The client's deadline reaches the store, which answers before it.
@Suite struct CallerDeadlineTests {
    @Test func grpcTimeoutHeadersParse() {
        #expect(CallerDeadlineInterceptor.duration("1500m") == .milliseconds(1500))
        #expect(CallerDeadlineInterceptor.duration("3S") == .seconds(3))
        #expect(CallerDeadlineInterceptor.duration("2M") == .seconds(120))
        #expect(CallerDeadlineInterceptor.duration("1H") == .seconds(3600))
        #expect(CallerDeadlineInterceptor.duration("250000u") == .milliseconds(250))
        #expect(CallerDeadlineInterceptor.duration("99999999n") == .nanoseconds(99_999_999))
        for bad in ["", "m", "12", "1.5S", "-1S", "123456789m", "5x", "S5"] {
            #expect(CallerDeadlineInterceptor.duration(bad) == nil, "\(bad)")
        }
    }

    @Test func storeCallsAnswerBeforeTheCallersDeadline() {
        // Never run: the bound is computed before any connection is asked for.
        let client = PostgresClient(configuration: .init(unixSocketPath: "/nonexistent", username: "x", password: nil, database: "x"))
        let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring, callTimeout: .seconds(3))
        #expect(store.effectiveTimeout == .seconds(3), "no caller deadline: the store's own bound")
        InventoryStore.$callerDeadline.withValue(.now + .seconds(1)) {
            let bound = store.effectiveTimeout
            #expect(bound <= .milliseconds(750) && bound > .milliseconds(550), "\(bound)")
        }
        InventoryStore.$callerDeadline.withValue(.now + .seconds(60)) {
            #expect(store.effectiveTimeout == .seconds(3), "a far deadline does not lengthen the bound")
        }
        InventoryStore.$callerDeadline.withValue(.now - .seconds(1)) {
            #expect(store.effectiveTimeout == .milliseconds(10), "a passed deadline: answer at once")
        }
    }
}
