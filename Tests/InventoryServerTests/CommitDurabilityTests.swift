import Foundation
import InventoryProto
import PostgresNIO
import Testing

/// What each scan's commit waits for. VERIFY rows may commit without waiting for the
/// WAL flush (`synchronous_commit = off`, issue 15); every ADMIT row, a SUCCESS above
/// all, commits fully synchronously.
///
/// How it is seen: a deferred trigger runs inside the COMMIT, just before the commit
/// record is written, and notes the `synchronous_commit` that commit will obey.
@Suite("Commit durability of scans", .timeLimit(.minutes(5)))
struct CommitDurabilityTests {
    @Test func verifiesCommitRelaxedAndAdmissionsSynchronously() async throws {
        // The shared test cluster runs with synchronous_commit off, for speed; this
        // database gets the production default back before the server connects.
        let database = try await TestCluster.shared.freshDatabase()
        try await withClient(database) { connection in
            try await connection.query(
                "ALTER DATABASE \(unescaped: database.database ?? "") SET synchronous_commit = on", logger: TestCluster.logger)
        }
        try await withTestServer(database: database) { server in
            let code = try await server.sell("gala.stalls.A.9", to: "alice")
            try await withClient(server.database) { database in
                try await database.query(
                    "CREATE TABLE commit_durability (action text, result text, synchronous_commit text)",
                    logger: TestCluster.logger)
                try await database.query(
                    PostgresQuery(unsafeSQL: """
                        CREATE FUNCTION note_commit_durability() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            INSERT INTO commit_durability VALUES (NEW.action, NEW.result, current_setting('synchronous_commit'));
                            RETURN NULL;
                        END $$
                        """), logger: TestCluster.logger)
                try await database.query(
                    """
                    CREATE CONSTRAINT TRIGGER note_commit_durability AFTER INSERT ON entry_logs
                        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_commit_durability()
                    """, logger: TestCluster.logger)
            }
            #expect(try await server.verify(code).result == .success)
            #expect(try await server.admit(code, scanID: "durable-1").result == .success)
            #expect(try await server.admit(code, scanID: "durable-1").replayed)
            #expect(try await server.admit(code, scanID: "durable-2").result == .duplicate)
            #expect(try await server.verify("not a ticket").result == .notFound)

            let noted = try await withClient(server.database) { database in
                var rows: [String] = []
                for try await (action, result, setting) in try await database.query(
                    "SELECT action, result, synchronous_commit FROM commit_durability", logger: TestCluster.logger
                ).decode((String, String, String).self) {
                    rows.append("\(action) \(result) \(setting)")
                }
                return rows.sorted()
            }
            #expect(noted == [
                "ADMIT DUPLICATE on", "ADMIT SUCCESS on", "ADMIT SUCCESS on",
                "VERIFY NOT_FOUND off", "VERIFY SUCCESS off",
            ])
        }
    }
}
