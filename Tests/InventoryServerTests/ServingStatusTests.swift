import InventoryService
import InventoryStore
import Testing

/// The one serving answer as a value: what each event does to it. Each event
/// returns whether the serving answer changed (what watchers must be told).
@Suite struct ServingStatusTests {
    @Test func startsNotServingUntilTheDatabaseAnswers() {
        var status = ServingStatus()
        #expect(!status.isServing)
        #expect(status.report == "not ready: starting: database not checked yet\n")
        let first = status.databaseAnswered()
        #expect(first, "a change")
        #expect(status.isServing)
        let second = status.databaseAnswered()
        #expect(!second, "no change")
        #expect(status.report == "ready\n")
    }

    @Test func aFailedProbeStopsServingWithItsReason() {
        var status = ServingStatus()
        _ = status.databaseAnswered()
        let failed = status.databaseFailed("the database did not answer within 1 s")
        #expect(failed)
        #expect(!status.isServing)
        #expect(status.report == "not ready: database unavailable: the database did not answer within 1 s\n")
        let again = status.databaseFailed("again")
        #expect(!again, "still not serving: nothing to announce")
        #expect(status.report == "not ready: database unavailable: again\n", "the newest reason")
        let back = status.databaseAnswered()
        #expect(back)
    }

    /// A primary without a synchronous standby still serves (pg_auto_failover runs
    /// it async so admissions go on), but says so to `/readyz` and to supervisors.
    @Test func noSynchronousStandbyIsAWarningNeverTheVerdict() {
        var status = ServingStatus()
        _ = status.databaseAnswered()
        let alone = status.primaryFound(.init(primary: "db1:5432", synchronousStandbys: 0, moved: true))
        #expect(!alone, "still serving")
        #expect(status.isServing)
        #expect(status.warning == "degraded: no synchronous standby")
        #expect(status.report == """
            ready
            database: primary db1:5432; degraded: no synchronous standby (admissions are on one machine only)

            """)
        let paired = status.primaryFound(.init(primary: "db1:5432", synchronousStandbys: 1, moved: false))
        #expect(!paired)
        #expect(status.warning == nil)
        #expect(status.report == "ready\ndatabase: primary db1:5432, 1 synchronous standby\n")
        // A database user without pg_monitor cannot see replication: unknown, not degraded.
        _ = status.primaryFound(.init(primary: "db1:5432", synchronousStandbys: nil, moved: false))
        #expect(status.warning == nil)
        #expect(status.report.contains("synchronous standbys unknown (grant pg_monitor"))
    }

    @Test func brokerLinksAreDetailNeverTheVerdict() {
        var status = ServingStatus()
        _ = status.databaseAnswered()
        let down = status.link("amqp publisher", "amqp publisher: down (refused); holds still expire through the database sweep")
        let up = status.link("amqp consumer", "amqp consumer: connected to amqp://127.0.0.1:5672/")
        #expect(!down && !up)
        #expect(status.isServing)
        #expect(status.report == """
            ready
            amqp consumer: connected to amqp://127.0.0.1:5672/
            amqp publisher: down (refused); holds still expire through the database sweep

            """)
    }

    @Test func drainingIsFinal() {
        var status = ServingStatus()
        _ = status.databaseAnswered()
        let drained = status.drain()
        #expect(drained)
        #expect(!status.isServing)
        let probe = status.databaseAnswered()
        #expect(!probe, "a probe answering during the drain changes nothing")
        #expect(status.report.hasPrefix("not ready: shutting down"))
    }

    @Test func watchersHearChangesAndEndAtTheDrain() async {
        let state = ServingState()
        var updates = state.updates().makeAsyncIterator()
        #expect(await updates.next() == false)
        state.update { $0.databaseAnswered() }
        #expect(await updates.next() == true)
        state.update { $0.databaseFailed("down") }
        #expect(await updates.next() == false)
        state.update { $0.databaseAnswered() }
        #expect(await updates.next() == true)
        state.shutDown()
        #expect(await updates.next() == false)
        #expect(await updates.next() == nil, "the stream ends")
    }
}
