import Foundation
import GRPCCore
import InventoryProto
@testable import InventoryStore
import Testing
import UsherCore

@Suite("Health, metrics, migrations and venue import", .timeLimit(.minutes(5)))
struct OperationsTests {
    @Test func healthOverGRPCAndHTTP() async throws {
        try await withTestServer { server in
            // "ready" waits for the first health probe, but under a loaded test run a
            // later probe may be slow; what must hold is that SERVING is reported.
            try await eventually("whole server SERVING") {
                try await server.health.check(.with { $0.service = "" }).status == .serving
            }
            try await eventually("inventory service SERVING") {
                try await server.health.check(.with { $0.service = "inventory.InventoryService" }).status == .serving
            }
            #expect(await rpcCode { _ = try await server.health.check(.with { $0.service = "nope" }) } == .notFound)
            let first = try await server.health.watch(request: .init(message: .with { $0.service = "" })) { response in
                for try await message in response.messages { return message.status }
                return .unknown
            }
            #expect(first == .serving || first == .notServing, "a watch starts with the current status")
            #expect(try await server.http("/healthz").0 == 200)
            try await eventually("/readyz 200") { try await server.http("/readyz").0 == 200 }
        }
    }

    @Test func metricsCountRPCsAndScans() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.B.9", to: "alice")
            _ = try await server.admit(code)
            _ = await rpcCode { try await server.reserve("", by: "x") }
            let (status, body) = try await server.http("/metrics")
            #expect(status == 200)
            #expect(body.contains("usher_rpc_requests_total"))
            #expect(body.contains(#"method="inventory.InventoryService/MarkCheckedIn""#))
            #expect(body.contains(#"code="invalidArgument""#) || body.contains(#"code="invalid argument""#))
            #expect(body.contains("usher_rpc_duration_seconds_bucket"))
            #expect(body.contains(#"usher_scans_total{action="ADMIT",result="SUCCESS"}"#))
        }
    }

    @Test func migrationsAreVersionedAndIdempotent() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        try await withClient(database) { client in
            let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
            #expect(try await store.migrate().isEmpty, "the template is already migrated")
            let rows = try await client.query("SELECT max(version) FROM schema_migrations").collect()
            #expect(try rows.first?.decode(Int32.self) == Int32(Migrations.all.count))
        }
    }

    @Test func venueImportIsAllOrNothingAndKeepsSales() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            try await withClient(server.database) { client in
                let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
                // Re-import: nothing added, the sale stays.
                let again = try await store.importVenue(try VenueFile.decode(Data(TestVenue.json.utf8), now: Date()))
                #expect(again.seatsAdded == 0 && again.seatsKept == 30)
                // An event may not move hall: the whole import is refused.
                let moved = TestVenue.json.replacingOccurrences(
                    of: #""id": "gala", "hall": "main""#, with: #""id": "gala", "hall": "studio""#
                ).replacingOccurrences(of: #""rows": ["A", "B"]"#, with: #""rows": ["A", "B", "C"]"#)
                do {
                    _ = try await store.importVenue(try VenueFile.decode(Data(moved.utf8), now: Date()))
                    Issue.record("moving an event to another hall must be refused")
                } catch let error as StoreError {
                    guard case .invalidInput(let input) = error else {
                        Issue.record("expected invalid input, got \(error)")
                        return
                    }
                    #expect(input.field == "event gala hall")
                }
            }
            #expect(try await server.count("SELECT count(*) FROM seats") == 30)
            #expect(try await server.admit(code).result == .success)
        }
    }

    /// A file that adds one show to a hall is checked against the shows already
    /// stored there: its window overlapping the gala's is a warning that names both
    /// and says the door must be pinned. Re-importing the stored venue warns of nothing.
    @Test func venueImportWarnsOfWindowsOverlappingStoredShows() async throws {
        try await withTestServer { server in
            try await withClient(server.database) { client in
                let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
                #expect(try await store.importVenue(try VenueFile.decode(Data(TestVenue.json.utf8), now: Date())).warnings.isEmpty)
                let late = """
                    {
                      "halls": [{"id": "main", "name": "Main Hall"}],
                      "events": [
                        {"id": "late", "hall": "main", "name": "Late Show", "starts": "now+2h", "ends": "now+4h",
                         "sections": [{"id": "stalls", "name": "Stalls", "rows": ["A"], "seats_per_row": 2}]}
                      ]
                    }
                    """
                let file = try VenueFile.decode(Data(late.utf8), now: Date())
                #expect(file.overlappingWindows.isEmpty, "alone, the file overlaps nothing")
                let warnings = try await store.importVenue(file).warnings
                #expect(warnings.count == 1, "\(warnings)")
                #expect(
                    warnings.first?.hasPrefix("warning: in hall main, the windows of gala and late overlap") == true
                        && warnings.first?.hasSuffix("a door there must be pinned with scan-tui --event") == true,
                    "\(warnings)")
            }
        }
    }

    @Test func venueFileErrorsNameTheProblem() {
        func problem(_ json: String) -> String {
            do {
                _ = try VenueFile.decode(Data(json.utf8), now: Date())
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(problem("{") .contains("not valid venue JSON"))
        #expect(problem(#"{"halls": [], "events": [{"id": "e", "hall": "x", "name": "n", "starts": "now", "ends": "now+1h", "sections": []}]}"#).contains("unknown hall"))
        #expect(problem(#"{"halls": [{"id": "h", "name": "H"}], "events": [{"id": "e", "hall": "h", "name": "n", "starts": "now", "ends": "now-1h", "sections": []}]}"#).contains("after starts"))
        #expect(problem(#"{"halls": [{"id": "h h", "name": "H"}], "events": []}"#).contains("halls[].id"))
        #expect(problem(#"{"halls": [{"id": "h", "name": "H"}], "events": [{"id": "e", "hall": "h", "name": "n", "starts": "yesterday", "ends": "now", "sections": []}]}"#).contains("RFC 3339"))
    }

    @Test func demoVenueLoads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("assets/venues/demo.json")
        let venue = try VenueFile.decode(Data(contentsOf: url), now: Date())
        #expect(Set(venue.halls.map(\.name)) == ["Main Hall", "Studio", "Theatre"])
        #expect(venue.seats.count >= 200)
        #expect(venue.events.contains { $0.window.isOpen(at: Date()) })
        #expect(venue.overlappingWindows.isEmpty, "a demo door never needs pinning")
        // The theatre: a matinee over, an evening show with doors open before its start, tomorrow's show.
        let theatre = venue.events.filter { $0.hallID == "theatre" }.map { $0.window.position(at: Date()) }
        #expect(theatre == [.ended, .open, .beforeDoors])
    }
}
