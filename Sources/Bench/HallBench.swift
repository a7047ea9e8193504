import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryClient
import InventoryProto
import ScanModel
import SwiftProtobuf
import UsherCore

/// The supervisor views at arena scale: `bench venue` writes a 20,000-seat hall,
/// `bench hall` measures loading and polling it and drawing its map.
extension Bench {
    /// A venue with one hall of `seats` seats (sections of 20 rows × 25), event on now.
    static func arenaVenue(seats: Int, sold: Bool = false) -> String {
        let sections = max(1, seats / 500)
        let rows = (1...20).map { "\"R\($0)\"" }.joined(separator: ", ")
        let list = (1...sections).map {
            "{\"id\": \"s\($0)\", \"name\": \"Block \($0)\", \"rows\": [\(rows)], \"seats_per_row\": 25}"
        }.joined(separator: ",\n      ")
        // Every seat sold, each to its own buyer: what a sold-out night looks like.
        let presets = !sold ? "" : ",\n \"presets\": [" + (1...sections).flatMap { section in
            (1...20).flatMap { row in
                (1...25).map { "{\"seat\": \"arena-night.s\(section).R\(row).\($0)\", \"status\": \"SOLD\", \"owner\": \"fan-\(section)-\(row)-\($0)\"}" }
            }
        }.joined(separator: ",\n  ") + "]"
        return """
            {"halls": [{"id": "arena", "name": "Arena"}],
             "events": [{"id": "arena-night", "hall": "arena", "name": "Arena Night", "starts": "now-1h", "ends": "now+6h",
              "sections": [
              \(list)]}]\(presets)}
            """
    }

    /// Full loads and empty delta polls over gRPC (time and bytes on the wire),
    /// then map rendering of the same hall. Returns false when over a limit.
    static func hall(credential: String, hallID: String, maxFullMilliseconds: Double?, maxEmptyMilliseconds: Double?) async throws -> Bool {
        let configuration = try loadCredential(credential).clientConfiguration()
        var bearer = Metadata()
        bearer.addString("Bearer \(configuration.credential ?? "")", forKey: "authorization")
        let clock = ContinuousClock()
        var ok = true
        // Through the client, as the terminal calls it.
        let (full, change, empty) = try await withInventoryClient(configuration) { client in
            _ = try await client.hallSeats(hallID: hallID)  // opens the connection
            var fullSamples: [Duration] = []
            var change: HallSeatsChange?
            for _ in 0..<5 {
                let start = clock.now
                change = try await client.hallSeats(hallID: hallID)
                fullSamples.append(clock.now - start)
            }
            var emptySamples: [Duration] = []
            for _ in 0..<50 {
                let start = clock.now
                let delta = try await client.hallSeats(hallID: hallID, eventID: change!.eventID, since: change!.cursor)
                emptySamples.append(clock.now - start)
                if !delta.seats.isEmpty { print("note: a delta poll returned \(delta.seats.count) seats") }
            }
            return (median(fullSamples), change!, median(emptySamples))
        }
        // The same two calls raw, for the bytes on the wire.
        let (fullBytes, emptyBytes) = try await withGRPCClient(
            transport: try configuration.makeTransport()
        ) { grpc in
            let inventory = Inventory_InventoryService.Client(wrapping: grpc)
            let options = CallOptions.defaults
            var all = Inventory_ListHallSeatsRequest()
            all.hallID = hallID
            all.eventID = change.eventID
            let fullResponse = try await inventory.listHallSeats(
                request: .init(message: all, metadata: bearer), options: options, onResponse: { try $0.message })
            var delta = all
            delta.sinceRevision = fullResponse.revision
            let emptyResponse = try await inventory.listHallSeats(
                request: .init(message: delta, metadata: bearer), options: options, onResponse: { try $0.message })
            let fullBytes: [UInt8] = try fullResponse.serializedBytes()
            let emptyBytes: [UInt8] = try emptyResponse.serializedBytes()
            return (fullBytes.count, emptyBytes.count)
        }
        print(
            String(
                format: "hall %@ (%d seats): full load median %.1f ms, %d bytes (%.0f bytes/seat)",
                hallID, change.seats.count, milliseconds(full), fullBytes, Double(fullBytes) / Double(max(1, change.seats.count))))
        print(String(format: "hall %@: empty delta poll median %.2f ms, %d bytes", hallID, milliseconds(empty), emptyBytes))
        if let maxFullMilliseconds, milliseconds(full) > maxFullMilliseconds {
            print(String(format: "FAILED: full load %.1f ms is over the %.0f ms target", milliseconds(full), maxFullMilliseconds))
            ok = false
        }
        if let maxEmptyMilliseconds, milliseconds(empty) > maxEmptyMilliseconds {
            print(String(format: "FAILED: empty poll %.2f ms is over the %.0f ms target", milliseconds(empty), maxEmptyMilliseconds))
            ok = false
        }
        renderMap(change)
        return ok
    }

    /// Builds the map from a full load and draws it, as the terminal does each time
    /// something changes: median render time at two terminal sizes, and a delta of
    /// ten seats applied and drawn.
    static func renderMap(_ change: HallSeatsChange) {
        let clock = ContinuousClock()
        for (width, height) in [(120, 40), (250, 70)] {
            let door = DoorState(
                settings: DoorSettings(server: "bench", hallID: change.hallID, staffID: "bench", terminalID: "bench"),
                width: width, height: height, now: Date(), session: "bench")
            var state = TerminalState(door: door, settings: TerminalSettings(role: .supervisor, initialView: .seatMap))
            let start = clock.now
            _ = state.update(.door(.tick(now: Date(), at: clock.now)))
            _ = state.update(.hallSeats(target: state.seatMap.target, since: 0, .success(change), at: clock.now))
            let build = clock.now - start
            var samples: [Duration] = []
            for round in 0..<200 {
                var delta = Array(change.seats[(round * 10 % change.seats.count)...].prefix(10))
                for i in delta.indices {
                    delta[i].status = .checkedIn
                    delta[i].revision += Int64(round + 1)
                }
                let start = clock.now
                _ = state.update(
                    .hallSeats(
                        target: state.seatMap.target, since: change.cursor,
                        .success(HallSeatsChange(
                            hallID: change.hallID, hallName: change.hallName, eventID: change.eventID,
                            eventName: change.eventName, seats: delta, cursor: change.cursor, isComplete: false,
                            asOf: Date())),
                        at: clock.now))
                _ = state.render()
                samples.append(clock.now - start)
            }
            print(
                String(
                    format: "map render %dx%d: building the %d-seat map %.1f ms; a 10-seat delta applied and drawn: median %.3f ms",
                    width, height, change.seats.count, milliseconds(build), milliseconds(median(samples))))
        }
    }
}
