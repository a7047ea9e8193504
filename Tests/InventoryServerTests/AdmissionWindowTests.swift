import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import PostgresNIO
import Testing
import UsherCore

/// A ticket admits only while its own event's window (doors → ends) is open, a
/// pinned door admits its event only, and a scan id is bound to its code: against
/// the real server on a real PostgreSQL.
@Suite("Admission windows and scan identity", .serialized, .timeLimit(.minutes(5)))
struct AdmissionWindowTests {
    @Test func theEveningDoorAdmitsTheEveningShowOnly() async throws {
        try await withTestServer(venue: TestVenue.theatre) { server in
            let matinee = try await server.sell("matinee.stalls.A.1", to: "ann")
            let evening = try await server.sell("evening.stalls.A.1", to: "ben")
            let tomorrow = try await server.sell("tomorrow.stalls.A.1", to: "cat")

            let ended = try await server.admit(matinee, hall: "theatre")
            #expect(ended.result == .expired && ended.reason == .eventEnded, "\(ended.message)")
            let admitted = try await server.admit(evening, hall: "theatre")
            #expect(admitted.result == .success && admitted.reason == .valid, "\(admitted.message)")
            let early = try await server.admit(tomorrow, hall: "theatre")
            #expect(early.result == .expired && early.reason == .notYetValid, "\(early.message)")
            #expect(early.message.hasPrefix("Not yet: doors open ") && early.message.contains("(Tomorrow, "), "\(early.message)")
            // Nothing but the admission changed a seat.
            #expect(try await server.seat("matinee.stalls.A.1").status == .sold)
            #expect(try await server.seat("tomorrow.stalls.A.1").status == .sold)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE reason = 'not yet valid'") == 1)

            // The pinned door: a ticket for another show of the hall is WRONG_HALL (WRONG_EVENT),
            // checked before the window, and named with its show and time.
            let pinned = try await server.admit(tomorrow, hall: "theatre", event: "evening")
            #expect(pinned.result == .wrongHall && pinned.reason == .wrongEvent, "\(pinned.message)")
            #expect(pinned.message.contains("Tomorrow"), "\(pinned.message)")
            let pinnedMatinee = try await server.verify(matinee, hall: "theatre", event: "evening")
            #expect(pinnedMatinee.reason == .wrongEvent)
            let fresh = try await server.sell("evening.stalls.A.2", to: "dan")
            #expect(try await server.verify(fresh, hall: "theatre", event: "evening").result == .success)
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE event_id_presented = 'evening'") == 3)
        }
    }

    /// New codes carry the admission window (doors → ends), so a terminal checking
    /// offline sees what the server sees.
    @Test func newCodesSignTheDoorsTime() async throws {
        try await withTestServer(venue: TestVenue.theatre) { server in
            let code = try await server.sell("evening.stalls.A.3", to: "eve")
            let claims = try TicketCode.verify(code, keyring: TestKeys.keyring).get()
            let doors = try await server.count("SELECT floor(extract(epoch FROM doors_at))::bigint FROM events WHERE event_id = 'evening'")
            let ends = try await server.count("SELECT floor(extract(epoch FROM ends_at))::bigint FROM events WHERE event_id = 'evening'")
            #expect(Int64(claims.validFrom.timeIntervalSince1970) == doors)
            #expect(Int64(claims.validUntil.timeIntervalSince1970) == ends)
        }
    }

    /// A writer from before doors (an older server mid-upgrade) inserts events
    /// without them: the default window, not a failure.
    @Test func eventsWithoutDoorsGetTheDefault() async throws {
        try await withTestServer(venue: TestVenue.theatre) { server in
            _ = try await withClient(server.database) { client in
                try await client.query(
                    """
                    INSERT INTO events (event_id, hall_id, name, starts_at, ends_at)
                    VALUES ('legacy', 'theatre', 'Legacy', '2030-01-01 20:00+00', '2030-01-01 23:00+00')
                    """, logger: TestCluster.logger)
            }
            let hour = try await server.count(
                "SELECT extract(epoch FROM starts_at - doors_at)::bigint FROM events WHERE event_id = 'legacy'")
            #expect(hour == 3600)
        }
    }

    /// One rule for the hall's current event: the open window. ListHallEvents lists
    /// the windows; ListHallSeats without an event picks the evening show, whose doors
    /// are open though it has not started (the old rule picked by start time).
    @Test func theHallsCurrentEventIsTheOpenWindow() async throws {
        try await withTestServer(venue: TestVenue.theatre) { server in
            let schedule = try await server.inventory.listHallEvents(.with { $0.hallID = "theatre" })
            #expect(schedule.events.map(\.eventID) == ["matinee", "evening", "tomorrow"])
            let evening = try #require(schedule.events.first { $0.eventID == "evening" })
            #expect(evening.doorsAt.date < schedule.asOf.date && schedule.asOf.date < evening.startsAt.date)
            let seats = try await server.inventory.listHallSeats(.with { $0.hallID = "theatre" })
            #expect(seats.eventID == "evening")
            // The occupancy table carries the window too.
            let occupancy = try await server.inventory.getHallOccupancy(.with { $0.eventID = "evening" })
            #expect(occupancy.halls.first?.doorsAt == evening.doorsAt)
            #expect(await rpcCode { _ = try await server.inventory.listHallEvents(.with { $0.hallID = "nowhere" }) } == .notFound)
            #expect(await rpcCode { _ = try await server.inventory.listHallEvents(.with { $0.hallID = "bad id" }) } == .invalidArgument)
        }
    }

    /// A scan id is bound to the SHA-256 of its code: the same id with another code,
    /// even for the same seat (a re-issued ticket), is INVALID_ARGUMENT, logged once,
    /// and changes nothing.
    @Test func aScanIDIsBoundToItsCode() async throws {
        try await withTestServer(venue: TestVenue.theatre) { server in
            let first = try await server.sell("evening.stalls.A.4", to: "fay")
            let scanID = UUID().uuidString.lowercased()
            let admitted = try await server.admit(first, hall: "theatre", scanID: scanID)
            #expect(admitted.result == .success)
            // The same code again under the same id is a replay; whitespace from a wedge scanner does not matter.
            let replay = try await server.admit(first + "\n", hall: "theatre", scanID: scanID)
            #expect(replay.result == .success && replay.replayed)

            // Another ticket under the same id: refused, not answered for.
            let other = try await server.sell("evening.stalls.A.2", to: "gus")
            let before = try await server.entryLogCount()
            #expect(await rpcCode { _ = try await server.admit(other, hall: "theatre", scanID: scanID) } == .invalidArgument)
            #expect(try await server.seat("evening.stalls.A.2").status == .sold, "nothing admitted")
            #expect(try await server.entryLogCount() == before + 1, "one log row for the refused attempt")
            #expect(
                try await server.count(
                    "SELECT count(*) FROM entry_logs WHERE scan_id = \(scanID) AND result IS NULL AND reason = 'scan id reused'") == 1)

            // Another code for the *same seat* (the code it had before a transfer) under
            // the id its current code was admitted with: refused too, not replayed.
            let old = try await server.sell("evening.stalls.A.3", to: "hal")
            let current = try await server.transfer("evening.stalls.A.3", from: "hal", to: "ivy").ticketCode
            let transferredID = UUID().uuidString.lowercased()
            #expect(try await server.admit(current, hall: "theatre", scanID: transferredID).result == .success)
            let logged = try await server.entryLogCount()
            #expect(await rpcCode { _ = try await server.admit(old, hall: "theatre", scanID: transferredID) } == .invalidArgument)
            #expect(try await server.entryLogCount() == logged + 1)
        }
    }
}
