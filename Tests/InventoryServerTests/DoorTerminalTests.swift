import Foundation
import ChildProcess
import InventoryStore
import PostgresNIO
import Synchronization
import DoorStore
import Testing
import UsherCore

@testable import InventoryServer

extension ExternalPrograms {
    /// scan-tui driven in tmux against a real server with the demo venue, as door
    /// staff would use it.
    @Suite("scan-tui in a terminal", .serialized, .timeLimit(.minutes(5)))
    struct DoorTerminalTests {
        static var scanTUI: String { ProcessLifecycleTests.binary.deletingLastPathComponent().appendingPathComponent("scan-tui").path }
        static let repository = TicketPrintingTests.repository

        static func demo() throws -> (venue: String, keyring: TicketKeyring) {
            let keyText = try String(contentsOf: repository.appendingPathComponent("assets/keys/DEMO-ONLY-signing-key"), encoding: .utf8)
            guard let line = keyText.split(separator: "\n").first(where: { $0.hasPrefix("ed25519-private-key:") }),
                let seed = Data(base64Encoded: line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
            else { throw TestFailure("demo key unreadable") }
            let venue = try String(contentsOf: repository.appendingPathComponent("assets/venues/demo.json"), encoding: .utf8)
            return (venue, TicketKeyring(signer: try TicketSigningKey(rawRepresentation: seed)))
        }

        static func code(_ asset: String) async throws -> String {
            guard let code = try await zbarDecode(repository.appendingPathComponent("assets/tickets/\(asset)")).first else {
                throw TestFailure("zbar read nothing from \(asset)")
            }
            return code
        }

        /// A door in tmux with the credential `scan-tui enroll` stored.
        static func door(credential: String, extra: String = "") async throws -> Tmux {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("scan-tui-test-\(UUID().uuidString).log").path
            return try await Tmux.start(
                "\(scanTUI) --credential \(credential) --staff tester --no-bell --log-file \(log) \(extra)")
        }

        /// Enrolls a terminal as staff do: the store operation `devices add` runs, then
        /// `scan-tui enroll CODE` (EnrollDevice over TLS pinned to the server's own
        /// certificate). Returns the credential file, mode 0600.
        static func enroll(
            _ name: String, role: DeviceRole = .door, hall: String? = "main", at server: TestServer, tls: TestCertificates
        ) async throws -> String {
            let grant = try await server.addDevice(try DeviceIdentity(name: name, role: role, hallID: role == .door ? hall : nil))
            return try await enroll(server.enrollmentCode(grant, fingerprint: tls.selfSigned!), into: tls)
        }

        /// `scan-tui enroll CODE --credential FILE`, the real command.
        static func enroll(_ code: EnrollmentCode, into tls: TestCertificates) async throws -> String {
            let credential = tls.directory.appendingPathComponent("device-\(UUID().uuidString.prefix(8)).json").path
            let enrolled = try await runBuiltBinary(scanTUI, ["enroll", code.text, "--credential", credential])
            guard enrolled.status == 0 else { throw TestFailure("scan-tui enroll: \(enrolled.output)") }
            return credential
        }

        /// A test server serving TLS with its own certificate (as `serve` does) and a
        /// door "door-e2e" of hall main enrolled at it.
        static func withDoorServer(
            venue: String, keyring: TicketKeyring, database: PostgresClient.Configuration? = nil, grpcPort: Int = 0,
            _ body: @escaping @Sendable (TestServer, String) async throws -> Void
        ) async throws {
            let tls = try TestCertificates.selfSigned()
            defer { tls.remove() }
            try await withTestServer(database: database, venue: venue, keyring: keyring, grpcPort: grpcPort, tls: tls) { server in
                try await body(server, try await enroll("door-e2e", at: server, tls: tls))
            }
        }

        @Test func everyDemoTicketShowsItsVerdict() async throws {
            let (venue, keyring) = try Self.demo()
            try await Self.withDoorServer(venue: venue, keyring: keyring) { server, credential in
                let door = try await Self.door(credential: credential)
                defer { door.kill() }
                try await door.waitFor("READY")
                try await door.waitFor("ONLINE")
                let expected: [(String, String, String)] = [
                    ("success.png", "✔  SUCCESS  ✔", "owner guest-a01"),
                    ("success.png", "⟳  DUPLICATE  ⟳", "at terminal door-e2e"),
                    ("duplicate.png", "⟳  DUPLICATE  ⟳", "at terminal door-main-1"),
                    ("wrong-hall.png", "⇄  WRONG HALL  ⇄", "This ticket is for hall studio"),
                    ("unpaid.png", "$  UNPAID  $", "on hold and not paid"),
                    ("expired.png", "EXPIRED", "Morning Matinee ended 2025-06-01"),
                    ("forged.png", "✖  NOT FOUND  ✖", "forged"),
                    ("revoked.png", "✖  NOT FOUND  ✖", "revoked by transfer"),
                ]
                for (asset, banner, detail) in expected {
                    try await door.scan(try await Self.code(asset))
                    let screen = try await door.waitFor(detail)
                    #expect(screen.contains(banner), "\(asset):\n\(screen)")
                    try await door.press("Escape")
                    try await door.waitFor("READY")
                }
                let final = try await door.capture()
                #expect(final.contains("In 1 │ Denied DUP 2 HALL 1 UNPAID 1 NOTFOUND 2 EXPIRED 1"), "\(final)")

                // Resizing just re-renders.
                try await door.resize(width: 70, height: 20)
                try await Task.sleep(for: .milliseconds(300))
                let small = try await door.capture().split(separator: "\n", omittingEmptySubsequences: false)
                #expect(small.contains { $0.contains("READY") })
                #expect(small.count <= 21)
                try await door.press("q")
                try await door.waitFor("EXIT_CODE=0")
            }
        }

        /// Staff admitted the wrong ticket: `u`, a reason, Enter. The door says it is
        /// undone, the server logged the annul, and the same ticket then admits again.
        @Test func aDoorUndoesItsLastAdmission() async throws {
            let (venue, keyring) = try Self.demo()
            try await Self.withDoorServer(venue: venue, keyring: keyring) { server, credential in
                let door = try await Self.door(credential: credential)
                defer { door.kill() }
                try await door.waitFor("ONLINE")
                let ticket = try await Self.code("success.png")
                try await door.scan(ticket)
                try await door.waitFor("SUCCESS")
                try await Task.sleep(for: .milliseconds(400))  // typed alone, not part of the scan's burst
                try await door.press("u")
                try await door.waitFor("The ticket will admit again. Why:")
                try await door.press("2")
                try await door.waitFor("Reason: guest did not go in")
                try await door.press("Enter")
                let done = try await door.waitFor("the ticket admits again")
                #expect(done.contains("ANNULLED"), "\(done)")
                #expect(
                    try await server.count(
                        """
                        SELECT count(*) FROM annulments a JOIN entry_logs l ON l.log_id = a.log_id
                        WHERE l.action = 'ANNUL' AND a.terminal_id = 'door-e2e' AND a.reason = 'guest did not go in'
                        """) == 1)
                try await door.press("Escape")
                try await door.waitFor("READY")
                try await door.scan(ticket)
                let again = try await door.waitFor("SUCCESS")
                #expect(!again.contains("DUPLICATE"), "\(again)")
            }
        }

        /// A ticket for another hall, let in on a supervisor's PIN set by the operator
        /// with `inventory-server devices set-pin` (the PIN piped in, as a script would):
        /// a wrong PIN is told and counted, the right one admits, and the audit names
        /// the supervisor, the reason and the denial.
        @Test func aSupervisorLetsADeniedGuestInByPIN() async throws {
            let (venue, keyring) = try Self.demo()
            try await Self.withDoorServer(venue: venue, keyring: keyring) { server, credential in
                _ = try await server.devices.token("sup-e2e", role: .supervisor)
                let url = "postgres://usher@localhost/\(server.database.database!)?host=\(server.socketDirectory)"
                let setPIN = try await Command(
                    "/bin/bash",
                    ["-c", "echo 4711 | \"$0\" devices set-pin sup-e2e --database-url \"$1\" --log-level warning",
                     ProcessLifecycleTests.binary.path, url],
                    environment: ProcessInfo.processInfo.environment
                ).run(timeout: .seconds(60), allowFailure: true)
                #expect(setPIN.status == 0 && setPIN.output.contains("set the override PIN of sup-e2e"), "\(setPIN.output)")

                let door = try await Self.door(credential: credential)
                defer { door.kill() }
                try await door.waitFor("ONLINE")
                try await door.scan(try await Self.code("wrong-hall.png"))
                try await door.waitFor("with a supervisor's PIN")
                try await Task.sleep(for: .milliseconds(400))  // typed alone, not part of the scan's burst
                try await door.press("o")
                try await door.waitFor("Let the guest in anyway?")
                try await door.press("2")
                try await door.press("Enter")
                try await door.waitFor("Supervisor (device name):")
                try await door.type("sup-e2e")
                try await door.press("Enter")
                try await door.waitFor("PIN: _")
                try await door.type("1234")
                try await door.press("Enter")
                let wrong = try await door.waitFor("Not let in")
                #expect(wrong.contains("wrong supervisor or PIN"), "\(wrong)")
                #expect(!wrong.contains("1234"), "the PIN is never shown")

                try await door.press("o")
                try await door.waitFor("Let the guest in anyway?")
                try await door.press("2")
                try await door.press("Enter")
                try await door.waitFor("Supervisor (device name): sup-e2e_")  // kept from the last try
                try await door.press("Enter")
                try await door.type("4711")
                try await door.waitFor("PIN: ****_")
                try await door.press("Enter")
                let admitted = try await door.waitFor("Admitted by override")
                #expect(admitted.contains("SUCCESS") && admitted.contains("sup-e2e"), "\(admitted)")
                #expect(
                    try await server.count(
                        """
                        SELECT count(*) FROM entry_logs l JOIN overrides o USING (log_id)
                        WHERE l.terminal_id = 'door-e2e' AND l.result = 'SUCCESS' AND l.reason = 'override'
                          AND o.supervisor = 'sup-e2e' AND o.reason = 'guest list' AND o.denied_result = 'WRONG_HALL'
                        """) == 1)
                #expect(try await server.count("SELECT count(*) FROM override_locks WHERE terminal_id = 'door-e2e' AND failures = 0") == 1)
            }
        }

        /// A kiosk (`--kiosk`): Ctrl-C, Ctrl-Z and Ctrl-\ do nothing, scanning works, and
        /// `q` quits only after a supervisor's PIN, which the server writes down.
        @Test func aKioskQuitsOnlyOnASupervisorsPIN() async throws {
            let (venue, keyring) = try Self.demo()
            try await Self.withDoorServer(venue: venue, keyring: keyring) { server, credential in
                _ = try await server.devices.token("sup-e2e", role: .supervisor)
                try await server.withStore { try await $0.setSupervisorPIN(named: "sup-e2e", pin: "2580") }
                let door = try await Self.door(credential: credential, extra: "--kiosk")
                defer { door.kill() }
                try await door.waitFor("KIOSK")
                for key in ["C-c", "C-z", "C-\\"] { try await door.press(key) }
                try await Task.sleep(for: .milliseconds(300))
                #expect(!(try await door.capture()).contains("EXIT_CODE"), "still running")
                try await door.scan(try await Self.code("success.png"))
                try await door.waitFor("SUCCESS")
                try await Task.sleep(for: .milliseconds(400))  // typed alone, not part of the scan's burst
                try await door.press("q")
                try await door.waitFor("This terminal is locked (kiosk).")
                try await door.type("sup-e2e")
                try await door.press("Enter")
                try await door.type("2580")
                try await door.press("Enter")
                try await door.waitFor("EXIT_CODE=0")
                #expect(
                    try await server.count(
                        "SELECT count(*) FROM kiosk_unlocks WHERE terminal_id = 'door-e2e' AND supervisor = 'sup-e2e' AND action = 'quit'")
                        == 1)
            }
        }

        /// The server admits the guest but the door never hears it: the commit is slow,
        /// the door's deadline passes, and the server is killed before it could answer;
        /// the COMMIT it had sent still lands. Either way the guest gets their own
        /// SUCCESS, never a DUPLICATE against their own admission, and one CHECK_IN:
        /// - automatic door: it goes OFFLINE and decides that same scan (same scan_id)
        ///   from its synced copy; when the server is back the upload is the server's
        ///   own admission replayed, no conflict;
        /// - door pinned online (f): NOT CHECKED; staff scan the ticket again once the
        ///   server is back, which is the same scan, and the door shows the server's
        ///   replayed SUCCESS.
        @Test(arguments: [false, true])
        func aLostReplyIsTheGuestsOwnSuccess(pinnedOnline: Bool) async throws {
            let database = try await TestCluster.shared.freshDatabase()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("usher-rescan-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let sold = Mutex("")
            try await withTestServer(database: database) { boxOffice in
                let code = try await boxOffice.sell("gala.stalls.A.1", to: "ann")
                sold.withLock { $0 = code }
                // Each admission's COMMIT takes 2.25 s: 0.75 s past the door's 1.5 s scan
                // deadline, and 0.75 s under the 3 s statement_timeout that would cancel it.
                try await boxOffice.delayAdmissionCommits(seconds: 2.25)
            }
            let code = sold.withLock { $0 }
            let seatState = { () async throws -> String in
                try await withClient(database) { client in
                    let rows = try await client.query("SELECT status FROM seats WHERE seat_id = 'gala.stalls.A.1'", logger: TestCluster.logger)
                        .collect()
                    return try rows.first?.decode(String.self) ?? "?"
                }
            }
            let (grpcPort, httpPort) = (try freePort(), try freePort())
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("scan-tui-test-\(UUID().uuidString).log").path
            let door = Mutex<Tmux?>(nil)
            defer { door.withLock { $0?.kill() } }
            try await withServerProcess(database: database, directory: directory, grpcPort: grpcPort, httpPort: httpPort, tls: true) { first in
                // The real `serve` made its own certificate; the code pins it.
                let tls = TestCertificates(
                    directory: directory,
                    selfSigned: try ServerCertificate.fingerprint(ofPEMFile: directory.appendingPathComponent("tls/server.crt").path))
                let grant = try await withClient(database) { client in
                    try await InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
                        .addDevice(try DeviceIdentity(name: "door-rescan", role: .door, hallID: "main"))
                }
                let credential = try await Self.enroll(
                    EnrollmentCode(server: "127.0.0.1:\(grpcPort)", secret: grant.secret, fingerprint: tls.selfSigned!), into: tls)
                let started = try await Tmux.start(
                    "\(Self.scanTUI) --credential \(credential) --staff tester --no-bell --log-file \(log)")
                door.withLock { $0 = started }
                // Synced: the door can check offline from here on.
                try await started.waitFor("synced ", timeout: .seconds(15))
                if pinnedOnline {
                    // Automatic → forced offline → automatic (still offline) → forced online;
                    // each press apart, so the scanner detector takes it as a typed key.
                    for _ in 0..<3 {
                        try await started.press("f")
                        try await Task.sleep(for: .milliseconds(400))
                    }
                    try await started.waitFor("forced online")
                }
                try await started.scan(code)
                if pinnedOnline {
                    try await started.waitFor("NOT CHECKED")
                } else {
                    let offline = try await started.waitFor("OFFLINE VERDICT")
                    #expect(offline.contains("SUCCESS") && offline.contains("row A · seat 1"), "\(offline)")
                }
                // The server is gone before it could say anything more …
                try first.send(SIGKILL)
                try await first.waitForExit(within: .seconds(5))
                // … but the admission it had sent to the database lands.
                try await eventually("the slow admission commits", timeout: .seconds(10)) { try await seatState() == "CHECKED_IN" }
            }
            _ = try await withClient(database) { client in
                try await client.query("DROP TRIGGER delay_admission_commit ON entry_logs", logger: TestCluster.logger)
            }
            guard let door = door.withLock({ $0 }) else { throw TestFailure("the door never started") }
            let count = { (sql: String) async throws -> Int64 in
                try await withClient(database) { client in
                    try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger).collect().first?.decode(Int64.self) ?? -1
                }
            }
            try await withServerProcess(database: database, directory: directory, grpcPort: grpcPort, httpPort: httpPort, tls: true) { _ in
                try await door.waitFor("ONLINE", timeout: .seconds(15))
                if pinnedOnline {
                    // Staff scan again until the server answers (its first calls after a
                    // restart may still find the client backing off: NOT CHECKED again,
                    // which keeps the same scan).
                    var screen = ""
                    for _ in 0..<3 where !screen.contains("SUCCESS  ✔") {
                        try await door.press("Escape")
                        try await door.waitFor("READY")
                        try await door.scan(code)
                        screen = try await waitUntil("an answer to the rescan", within: .seconds(10), every: .milliseconds(50)) {
                            try await door.capture()
                        } until: { $0.contains("SUCCESS  ✔") || $0.contains("⚠  NOT CHECKED  ⚠") || $0.contains("DUPLICATE") }.value
                    }
                    #expect(screen.contains("SUCCESS  ✔") && screen.contains("admitted before its answer was lost"), "\(screen)")
                    #expect(!screen.contains("DUPLICATE"), "\(screen)")
                } else {
                    // Uploaded once the server answers for it; the status row then goes.
                    try await eventually("the offline scan is uploaded", timeout: .seconds(15)) {
                        try await !door.capture().contains("uploading")
                    }
                    let screen = try await door.capture()
                    #expect(!screen.contains("DUPLICATE") && !screen.contains("conflict"), "\(screen)")
                }
            }
            // One admission; the upload (or the rescan) is on record as a replay of it
            // (every scan is logged).
            let rows = try await withClient(database) { client in
                try await client.query(
                    """
                    SELECT action || ' ' || result || ' ' || (replay_of IS NOT NULL)::text FROM entry_logs
                    WHERE seat_id = 'gala.stalls.A.1' ORDER BY log_id
                    """,
                    logger: TestCluster.logger
                ).collect().map { try $0.decode(String.self) }
            }
            #expect(rows == ["ADMIT SUCCESS false", "ADMIT SUCCESS true"], "\(rows)")
            #expect(try await count("SELECT count(*) FROM scan_conflicts") == 0)
            try await door.press("q")
            try await door.waitFor("EXIT_CODE=0")
        }

        /// A fresh door PC: no credential, so scan-tui asks for the enrollment QR and the
        /// scanner types it like a ticket. A ticket scanned by mistake is refused
        /// without a call; the code enrolls, device.json is written 0600, and the door opens.
        @Test func aDoorWithoutACredentialEnrollsByScanningTheQR() async throws {
            let (venue, keyring) = try Self.demo()
            let tls = try TestCertificates.selfSigned()
            defer { tls.remove() }
            try await withTestServer(venue: venue, keyring: keyring, tls: tls) { server in
                let grant = try await server.addDevice(try DeviceIdentity(name: "door-fresh", role: .door, hallID: "main"))
                let credential = tls.directory.appendingPathComponent("fresh/device.json").path
                let door = try await Self.door(credential: credential)
                defer { door.kill() }
                try await door.waitFor("Scan the enrollment QR")
                try await door.scan(try await Self.code("success.png"))
                try await door.waitFor("That is not an enrollment code")
                try await door.scan(server.enrollmentCode(grant, fingerprint: tls.selfSigned!).text)
                try await door.waitFor("ONLINE", timeout: .seconds(20))
                var info = stat()
                #expect(stat(credential, &info) == 0 && info.st_mode & 0o777 == 0o600)
                try await door.scan(try await Self.code("success.png"))
                try await door.waitFor("✔  SUCCESS  ✔")
                #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE terminal_id = 'door-fresh'") == 1)
            }
        }

        @Test func openedImagesPhotoAndCorruptFile() async throws {
            let (venue, keyring) = try Self.demo()
            try await Self.withDoorServer(venue: venue, keyring: keyring) { _, credential in
                let door = try await Self.door(credential: credential)
                defer { door.kill() }
                try await door.waitFor("READY")
                try await door.type("i")
                try await door.waitFor("Open an image")
                try await door.type(Self.repository.appendingPathComponent("assets/tickets/photo-success.jpg").path)
                try await door.press("Enter")
                let screen = try await door.waitFor("✔  SUCCESS  ✔")
                #expect(screen.contains("main-tonight.stalls.A.1"))

                let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("usher-corrupt-\(UUID().uuidString).png")
                try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5]).write(to: corrupt)
                defer { try? FileManager.default.removeItem(at: corrupt) }
                try await door.press("Escape")
                try await door.type("i")
                try await door.waitFor("Open an image")
                try await door.type(corrupt.path)
                try await door.press("Enter")
                try await door.waitFor("damaged image")
                try await door.press("Escape")
                try await door.waitFor("READY")
            }
        }

        @Test func imagesDroppedIntoTheWatchedFolderAreScanned() async throws {
            let (venue, keyring) = try Self.demo()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("usher-watch-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await Self.withDoorServer(venue: venue, keyring: keyring) { _, credential in
                let door = try await Self.door(credential: credential, extra: "--watch \(folder.path)")
                defer { door.kill() }
                try await door.waitFor("READY")
                try FileManager.default.copyItem(
                    at: Self.repository.appendingPathComponent("assets/tickets/wrong-hall.png"),
                    to: folder.appendingPathComponent("dropped.png"))
                try await door.waitFor("⇄  WRONG HALL  ⇄")
            }
        }

        @Test func decodeAgreesWithZbarimgOnEveryAsset() async throws {
            let assets = Self.repository.appendingPathComponent("assets/tickets")
            for file in try FileManager.default.contentsOfDirectory(atPath: assets.path).sorted() {
                let url = assets.appendingPathComponent(file)
                let result = try await runBuiltBinary(Self.scanTUI, ["decode", url.path])
                #expect(result.status == 0, "\(file): \(result.output)")
                #expect(result.output.split(separator: "\n").map(String.init) == (try await zbarDecode(url)), "\(file)")
            }
            let missing = try await runBuiltBinary(Self.scanTUI, ["decode", "/nonexistent.png"])
            #expect(missing.status == 1 && missing.output.contains("no such file"), "\(missing.output)")
        }

        @Test func checkPrintsTheVerdictAndExitsWithItsCode() async throws {
            let (venue, keyring) = try Self.demo()
            let tls = try TestCertificates.selfSigned()
            defer { tls.remove() }
            let kept = Mutex("")
            try await withTestServer(venue: venue, keyring: keyring, tls: tls) { server in
                let credential = try await Self.enroll("door-check", at: server, tls: tls)
                kept.withLock { $0 = credential }
                let expected: [(String, Int32, String)] = [
                    ("success.png", 0, "SUCCESS"), ("duplicate.png", 10, "DUPLICATE"), ("wrong-hall.png", 11, "WRONG HALL"),
                    ("unpaid.png", 12, "UNPAID"), ("forged.png", 13, "NOT FOUND"), ("expired.png", 14, "EXPIRED"),
                ]
                for (asset, status, word) in expected {
                    let result = try await runBuiltBinary(
                        Self.scanTUI, ["check", try await Self.code(asset), "--credential", credential])
                    #expect(result.status == status && result.output.contains(word), "\(asset): \(result.status) \(result.output)")
                }
                // check only verifies: the SUCCESS ticket is still unused.
                #expect(try await server.seat("main-tonight.stalls.A.1").status == .sold)

                // The demo theatre: tomorrow's ticket at tonight's door, and the matinee's
                // at a door pinned to the evening show, with their reasons in words.
                let theatre = try await Self.enroll("door-theatre", hall: "theatre", at: server, tls: tls)
                let tomorrow = try await server.sell("theatre-tomorrow.stalls.B.8", to: "tom")
                let early = try await runBuiltBinary(Self.scanTUI, ["check", tomorrow, "--credential", theatre])
                #expect(
                    early.status == 14 && early.output.contains("EXPIRED") && early.output.contains("reason: not yet valid")
                        && early.output.contains("Not yet: doors open"),
                    "\(early.output)")
                let evening = try await server.sell("theatre-evening.stalls.B.8", to: "eve")
                let pinned = try await runBuiltBinary(
                    Self.scanTUI, ["check", evening, "--credential", theatre, "--event", "theatre-tomorrow"])
                #expect(
                    pinned.status == 11 && pinned.output.contains("WRONG HALL") && pinned.output.contains("reason: wrong event")
                        && pinned.output.contains("Wrong show: this ticket is for"),
                    "\(pinned.output)")
            }
            let unreachable = try await runBuiltBinary(
                Self.scanTUI, ["check", "U1.x", "--credential", kept.withLock { $0 }, "--server", "127.0.0.1:\(try freePort())"])
            #expect(unreachable.status == 3 && unreachable.output.contains("server unreachable"), "\(unreachable.output)")
            // Without a credential there is nothing to call with: a clear error, no call.
            let unenrolled = try await runBuiltBinary(
                Self.scanTUI, ["check", "U1.x", "--credential", tls.directory.appendingPathComponent("none.json").path])
            #expect(unenrolled.status != 0 && unenrolled.output.contains("this terminal is not enrolled"), "\(unenrolled.output)")
        }

        /// A door that never synced cannot check offline: NOT CHECKED, never a SUCCESS.
        /// Once the server is there it comes back by itself, the rescan is the same
        /// scan, and from then on it checks offline when the server goes: a verdict
        /// marked OFFLINE, journaled, and uploaded with its terminal time on return.
        @Test func offlineChecksLocallyOnlyOnceSyncedAndUploadsOnReturn() async throws {
            let (venue, keyring) = try Self.demo()
            let database = try await TestCluster.shared.freshDatabase()
            let port = try freePort()
            let tls = try TestCertificates.selfSigned()
            defer { tls.remove() }
            // Enrolled while the server is up; the door starts once it is gone again.
            let enrolled = Mutex(("", ""))
            try await withTestServer(database: database, venue: venue, keyring: keyring, grpcPort: port, tls: tls) { server in
                let credential = try await Self.enroll("door-e2e", at: server, tls: tls)
                let late = try await server.sell("main-tonight.stalls.M.20", to: "late-guest")
                enrolled.withLock { $0 = (credential, late) }
            }
            let (credential, lateCode) = enrolled.withLock { $0 }
            let door = try await Self.door(credential: credential)
            defer { door.kill() }
            try await door.scan(try await Self.code("success.png"))
            let unchecked = try await door.waitFor("NOT CHECKED", timeout: .seconds(15))
            #expect(!unchecked.contains("SUCCESS"), "an unchecked scan must never look like a success:\n\(unchecked)")
            #expect(unchecked.contains("do not admit") && unchecked.contains("never synced"), "\(unchecked)")
            try await withTestServer(database: database, venue: "", keyring: keyring, grpcPort: port, tls: tls) { _ in
                try await door.waitFor("ONLINE", timeout: .seconds(20))
                try await door.waitFor("synced ", timeout: .seconds(10))
                try await door.press("Escape")
                try await door.scan(try await Self.code("success.png"))
                try await door.waitFor("✔  SUCCESS  ✔")
            }
            // The server is gone: the next guest is checked locally.
            try await door.press("Escape")
            try await door.scan(lateCode)
            let offline = try await door.waitFor("OFFLINE VERDICT", timeout: .seconds(15))
            #expect(offline.contains("SUCCESS") && offline.contains("row M · seat 20"), "\(offline)")
            #expect(offline.contains("OFFLINE: checking locally"), "\(offline)")
            try await withTestServer(database: database, venue: "", keyring: keyring, grpcPort: port, tls: tls) { server in
                try await door.waitFor("ONLINE", timeout: .seconds(20))
                try await eventually("the offline admission is uploaded", timeout: .seconds(15)) {
                    try await server.count(
                        "SELECT count(*) FROM entry_logs WHERE seat_id = 'main-tonight.stalls.M.20' AND action = 'ADMIT' AND result = 'SUCCESS' AND offline_scanned_at IS NOT NULL"
                    ) == 1
                }
                #expect(try await server.seat("main-tonight.stalls.M.20").status == .checkedIn)
            }
        }

        /// The door is killed with SIGKILL after an offline admission was journaled and
        /// drawn, before it could upload. Started again on the same store, it uploads
        /// the journal when the server is back: the admission is neither lost nor doubled.
        @Test func aDoorKilledBeforeItsUploadLosesNothing() async throws {
            let (venue, keyring) = try Self.demo()
            let database = try await TestCluster.shared.freshDatabase()
            let port = try freePort()
            let tls = try TestCertificates.selfSigned()
            defer { tls.remove() }
            let store = tls.directory.appendingPathComponent("door-store/door-main.sqlite")
            let started = Mutex<(credential: String, code: String, door: Tmux?)>(("", "", nil))
            defer { started.withLock { $0.door?.kill() } }
            try await withTestServer(database: database, venue: venue, keyring: keyring, grpcPort: port, tls: tls) { server in
                let credential = try await Self.enroll("door-e2e", at: server, tls: tls)
                let code = try await server.sell("main-tonight.stalls.L.5", to: "kept-guest")
                let door = try await Self.door(credential: credential, extra: "--store \(store.path)")
                started.withLock { $0 = (credential, code, door) }
                try await door.waitFor("synced ", timeout: .seconds(20))
            }
            let (credential, code, first) = started.withLock { ($0.credential, $0.code, $0.door) }
            guard let first else { throw TestFailure("the door never started") }
            try await first.scan(code)
            let shown = try await first.waitFor("OFFLINE VERDICT", timeout: .seconds(15))
            #expect(shown.contains("SUCCESS"), "\(shown)")
            // Killed between the journal write and the upload.
            let pids = processes(commandContaining: store.path)
            #expect(pids.count == 1, "one scan-tui on this store: \(pids)")
            for pid in pids { kill(pid, SIGKILL) }
            // Gone: asked of /proc, not of the pane (the shell's long "Killed …" line can
            // wrap the exit marker out of what a capture shows).
            try await waitUntil("the killed door gone", within: .seconds(10)) {
                processes(commandContaining: store.path)
            } until: { $0.isEmpty }
            // The store is the door's: its name, and the certificate it pinned.
            let owner = DoorStoreOwner(terminalID: "door-e2e", server: try #require(tls.selfSigned).description)
            #expect(try DoorStore.open(at: store, owner: owner).pendingCount() == 1, "the admission is in the journal")

            let second = try await Self.door(credential: credential, extra: "--store \(store.path)")
            defer { second.kill() }
            try await withTestServer(database: database, venue: "", keyring: keyring, grpcPort: port, tls: tls) { server in
                try await second.waitFor("ONLINE", timeout: .seconds(20))
                try await eventually("the journal is uploaded", timeout: .seconds(15)) {
                    try DoorStore.open(at: store, owner: owner).pendingCount() == 0
                }
                #expect(
                    try await server.count(
                        "SELECT count(*) FROM entry_logs WHERE seat_id = 'main-tonight.stalls.L.5' AND action = 'ADMIT' AND replay_of IS NULL"
                    ) == 1)
                #expect(try await server.count("SELECT count(*) FROM seat_history WHERE seat_id = 'main-tonight.stalls.L.5' AND action = 'CHECK_IN'") == 1)
                #expect(try await server.seat("main-tonight.stalls.L.5").status == .checkedIn)
            }
        }
    }
}
