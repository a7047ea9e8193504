import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO

/// Short names for the calls the tests make again and again.
extension TestServer {
    @discardableResult
    func reserve(_ seat: String, by user: String, holdSeconds: Int32 = 0) async throws -> Inventory_ReserveSeatResponse {
        try await inventory.reserveSeat(.with {
            $0.seatID = seat
            $0.userID = user
            $0.holdSeconds = holdSeconds
        })
    }

    @discardableResult
    func release(_ seat: String, by user: String, reason: String = "") async throws -> Inventory_ReleaseSeatResponse {
        try await inventory.releaseSeat(.with {
            $0.seatID = seat
            $0.userID = user
            $0.reason = reason
        })
    }

    @discardableResult
    func confirm(_ seat: String, by user: String, order: String = "order-1") async throws -> Inventory_ConfirmSeatResponse {
        try await inventory.confirmSeat(.with {
            $0.seatID = seat
            $0.userID = user
            $0.orderID = order
        })
    }

    @discardableResult
    func transfer(_ seat: String, from: String, to: String, id: String = "") async throws -> Inventory_UpdateOwnerResponse {
        try await inventory.updateOwner(.with {
            $0.seatID = seat
            $0.fromUserID = from
            $0.toUserID = to
            $0.transferID = id
        })
    }

    func seat(_ seat: String) async throws -> Inventory_Seat {
        try await inventory.getSeatOwner(.with { $0.seatID = seat }).seat
    }

    /// Reserve and confirm: returns the ticket code.
    func sell(_ seat: String, to user: String) async throws -> String {
        try await reserve(seat, by: user)
        return try await confirm(seat, by: user).ticketCode
    }

    func verify(
        _ code: String, hall: String = "main", event: String = "", terminal: String = "door-1"
    ) async throws -> Inventory_VerifyTicketResponse {
        try await inventory.verifyTicket(
            .with {
                $0.ticketCode = code
                $0.hallID = hall
                $0.eventID = event
                $0.staffID = "staff-1"
                $0.terminalID = terminal
            }, metadata: try await devices.metadata(terminal))
    }

    func admit(
        _ code: String, hall: String = "main", event: String = "", terminal: String = "door-1",
        scanID: String = UUID().uuidString
    ) async throws -> Inventory_MarkCheckedInResponse {
        try await inventory.markCheckedIn(
            .with {
                $0.ticketCode = code
                $0.hallID = hall
                $0.eventID = event
                $0.staffID = "staff-1"
                $0.terminalID = terminal
                $0.scanID = scanID
            }, metadata: try await devices.metadata(terminal))
    }

    /// MarkCheckedIn as a door uploads an admission it decided offline at `at` (its
    /// clock right: no skew).
    func uploadOfflineAdmission(
        _ code: String, terminal: String, scanID: String, at: Date = Date()
    ) async throws -> Inventory_MarkCheckedInResponse {
        try await inventory.markCheckedIn(
            .with {
                $0.ticketCode = code
                $0.hallID = "main"
                $0.staffID = "s"
                $0.terminalID = terminal
                $0.scanID = scanID
                $0.offlineScannedAt = .init(date: at)
                $0.offlineResult = .success
            }, metadata: try await devices.metadata(terminal))
    }

    /// AnnulCheckIn as device `by`, of a scan's admission or (`seat`) a seat's current one.
    func annul(
        _ scanID: String = "", seat: String = "", revision: Int64 = 0, annulID: String, reason: String, by device: String
    ) async throws -> Inventory_AnnulCheckInResponse {
        try await inventory.annulCheckIn(
            .with {
                $0.scanID = scanID
                $0.seatID = seat
                $0.seatRevision = revision
                $0.annulID = annulID
                $0.reason = reason
                $0.staffID = "staff-1"
            }, metadata: try await devices.metadata(device))
    }

    /// `doors` terminals scan `code` at once, spread over `servers` (self first). A
    /// door told UNAVAILABLE (a database slow to hand out a connection, as on a
    /// starved machine) scans again under the same scan id, as a real door does,
    /// until it has a verdict or 30 s have passed: a retry must replay, never admit twice.
    func admitFromDoors(_ code: String, doors: Int, via others: [TestServer] = []) async throws -> [Inventory_ScanResult] {
        let servers = [self] + others
        return try await withThrowingTaskGroup(of: Inventory_ScanResult.self) { group in
            for door in 0..<doors {
                let server = servers[door % servers.count]
                group.addTask {
                    let scanID = UUID().uuidString
                    let deadline = ContinuousClock.now + .seconds(30)
                    while true {
                        do {
                            return try await server.admit(code, terminal: "door-\(door)", scanID: scanID).result
                        } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
            }
            var results: [Inventory_ScanResult] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    func entryLogCount() async throws -> Int64 {
        try await count("SELECT count(*) FROM entry_logs")
    }

    /// Makes every write statement that logs an original (not replayed) entry_logs row
    /// with `result` take `seconds`, inside that statement: a database slow at the
    /// worst moment, after the seat was written and before the commit. Per statement,
    /// not per row: each scan's write is a transaction of its own, shared with the
    /// scans batched with it (``BatchQueue``), and a slow database slows transactions.
    /// Keep it under the server's 3 s statement_timeout, or the statement is cancelled
    /// and nothing commits.
    func delayEntryLogs(_ result: DelayedResult, seconds: Double) async throws {
        try await withClient(database) { database in
            try await database.query(
                PostgresQuery(unsafeSQL: """
                    CREATE FUNCTION delay_entry_log() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF EXISTS (SELECT 1 FROM logged WHERE result = '\(result.rawValue)' AND replay_of IS NULL) THEN
                            PERFORM pg_sleep(\(seconds));
                        END IF;
                        RETURN NULL;
                    END $$
                    """), logger: TestCluster.logger)
            try await database.query(
                """
                CREATE TRIGGER delay_entry_log AFTER INSERT ON entry_logs REFERENCING NEW TABLE AS logged
                    FOR EACH STATEMENT EXECUTE FUNCTION delay_entry_log()
                """,
                logger: TestCluster.logger)
        }
    }
}

extension TestServer {
    /// Makes every admission's COMMIT take `seconds`: a deferred trigger sleeps at
    /// commit time, after the COMMIT was sent. The admission then lands even if the
    /// server abandons the call (or dies) meanwhile: a reply lost, an admission made.
    ///
    /// Why at COMMIT and not in a statement before it (``delayEntryLogs(_:seconds:)``):
    /// a call abandoned at its bound is cancelled, and a cancelled task reading a
    /// statement's rows (`INSERT … RETURNING`) throws and rolls back. Whether the
    /// admission landed then depended on where the cancellation fell, and on a loaded
    /// machine it fell before the commit (the lost-reply tests' flake). A COMMIT
    /// already sent completes whatever the task does.
    ///
    /// Keep it well under the server's 3 s statement_timeout, which bounds COMMIT too.
    func delayAdmissionCommits(seconds: Double) async throws {
        try await withClient(database) { database in
            try await database.query(
                PostgresQuery(unsafeSQL: """
                    CREATE FUNCTION delay_admission_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_sleep(\(seconds)); RETURN NULL; END $$
                    """), logger: TestCluster.logger)
            try await database.query(
                """
                CREATE CONSTRAINT TRIGGER delay_admission_commit AFTER INSERT ON entry_logs
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                    WHEN (NEW.result = 'SUCCESS' AND NEW.replay_of IS NULL)
                    EXECUTE FUNCTION delay_admission_commit()
                """, logger: TestCluster.logger)
        }
    }
}

/// The results ``TestServer/delayEntryLogs(_:seconds:)`` can slow down: an enum, not
/// free text, because it is spliced into the trigger's body (DDL takes no binds).
enum DelayedResult: String {
    case duplicate = "DUPLICATE"
}
