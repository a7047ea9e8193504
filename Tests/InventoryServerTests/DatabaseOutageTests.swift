import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import Testing

/// Stops PostgreSQL under a running server: calls fail fast with UNAVAILABLE,
/// readiness and gRPC health go red, and everything recovers after a restart.
@Suite("Database outage", .timeLimit(.minutes(5)))
struct DatabaseOutageTests {
    @Test func outageIsUnavailableAndRecovers() async throws {
        let cluster = try TestCluster.makeCluster(name: "outage")
        try await cluster.start()
        ClusterReaper.register(cluster)
        defer { ClusterReaper.unregister(cluster) }
        try await withTestServer(database: cluster.clientConfiguration(), callTimeout: .seconds(2)) { server in
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            try await eventually("/readyz 200 before the outage") { try await server.http("/readyz").0 == 200 }

            try await cluster.stop()

            let started = ContinuousClock.now
            let status = await rpcCode { _ = try await server.admit(code, scanID: "outage-scan") }
            let elapsed = ContinuousClock.now - started
            #expect(status == .unavailable)
            #expect(elapsed < .seconds(5), "took \(elapsed)")
            #expect(await rpcCode { try await server.reserve("gala.stalls.A.2", by: "bob") } == .unavailable)
            #expect(try await server.http("/readyz").0 == 503)
            #expect(try await server.http("/healthz").0 == 200, "the process itself is alive")
            try await eventually("gRPC health NOT_SERVING") {
                try await server.health.check(.with { $0.service = "" }).status == .notServing
            }

            try await cluster.start()

            try await eventually("readiness after restart") { try await server.http("/readyz").0 == 200 }
            try await eventually("gRPC health SERVING") {
                try await server.health.check(.with { $0.service = "" }).status == .serving
            }
            // The retried scan is admitted exactly once.
            try await eventually("admission after restart") {
                (try? await server.admit(code, scanID: "outage-scan").result) == .success
            }
            #expect(try await server.admit(code).result == .duplicate)
        }
        try await cluster.stop()
    }
}

/// Polls `condition` until it holds, failing after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("\(what): not reached within \(timeout)")
}
