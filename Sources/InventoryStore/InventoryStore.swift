import Logging
import PostgresNIO
import UsherCore

/// The PostgreSQL-backed inventory. One method per use case, each in its own file;
/// each method owns its SQL. Every call answers within ``callTimeout`` (see
/// ``withCallBound``) so nothing hangs when the database goes away: the pool would
/// otherwise wait for a connection forever, and a query already sent ignores
/// cancellation.
public struct InventoryStore: Sendable {
    /// The database's hosts; calls go to the primary's pool (or its probe's).
    public let nodes: DatabaseNodes
    /// Calls use the primary's one-connection probe pool instead of the shared one
    /// (the health probe: it must not queue behind a burst of doors).
    public var usesProbe = false
    /// The pool calls go to now: the primary's.
    public var client: PostgresClient { usesProbe ? nodes.chosen.probe : nodes.chosen.client }
    /// Hosts for the reads a standby may answer (seat maps, occupancy), from
    /// `--read-url`; nil: those reads go to the primary too. Admissions never use them.
    public let readNodes: DatabaseNodes?
    public let logger: Logger
    public var callTimeout: Duration
    /// Verifies scanned codes and signs new ones (ConfirmSeat, UpdateOwner).
    public let keyring: TicketKeyring
    /// The scan path's statements, batched across concurrent scans.
    let scanBatches: ScanBatches

    public init(
        nodes: DatabaseNodes, readNodes: DatabaseNodes? = nil, logger: Logger, keyring: TicketKeyring,
        callTimeout: Duration = .seconds(3)
    ) {
        self.nodes = nodes
        self.readNodes = readNodes
        self.logger = logger
        self.keyring = keyring
        self.callTimeout = callTimeout
        self.scanBatches = ScanBatches(nodes: nodes, logger: logger, leaseBound: callTimeout)
    }

    /// A store on one host.
    public init(client: PostgresClient, logger: Logger, keyring: TicketKeyring, callTimeout: Duration = .seconds(3)) {
        self.init(nodes: DatabaseNodes(client: client), logger: logger, keyring: keyring, callTimeout: callTimeout)
    }

    /// When whoever asked stops waiting (an RPC's deadline), if known. Set per call
    /// by the gRPC layer; store calls then answer before it, so a client hears
    /// UNAVAILABLE inside its deadline instead of DEADLINE_EXCEEDED from its own clock.
    @TaskLocal public static var callerDeadline: ContinuousClock.Instant?

    /// How much earlier than ``callerDeadline`` a call answers: room for the reply to
    /// reach a door on a busy server and network.
    static let replyAllowance: Duration = .milliseconds(250)

    /// ``callTimeout``, cut short to answer before ``callerDeadline``.
    var effectiveTimeout: Duration {
        guard let deadline = Self.callerDeadline else { return callTimeout }
        return max(.milliseconds(10), min(callTimeout, ContinuousClock.now.duration(to: deadline) - Self.replyAllowance))
    }

    /// Runs `body` within ``effectiveTimeout`` and turns every failure into a ``StoreError``.
    func bounded<T: Sendable>(
        seatID: String? = nil,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws(StoreError) -> T {
        let timeout = effectiveTimeout
        do {
            return try await withCallBound(
                timeout, onTimeout: { StoreError.unavailable("the database did not answer within \(timeout)") }, body)
        } catch {
            let classified = DatabaseErrorClassifier.classify(error, seatID: seatID)
            if case .internalError = classified {
                // The detail stays here, in the server log; clients get a generic message.
                logger.error("database call failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            throw classified
        }
    }

    /// Runs `body` in one transaction, bounded and classified like ``bounded(seatID:_:)``.
    func transaction<T: Sendable>(
        seatID: String? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        // The generation first: read after the pool, a move in between would go unseen.
        let generation = nodes.generation
        let client = self.client
        let logger = self.logger
        let result = try await bounded(seatID: seatID) {
            try await client.withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        }
        try checkStillPrimary(since: generation)
        return result
    }

    /// A read-only transaction a standby may answer (seat maps, occupancy): on the
    /// read hosts when the server has them and one is fit to read from, else like
    /// ``transaction(seatID:_:)``. The read host gets half the call's time (at most
    /// 1 s); one that does not answer, or cancels the read in a recovery conflict,
    /// leaves the rest to the primary: a supervisor's screen is worth a query there.
    /// A caught-up standby lags the primary by a moment (synchronous commit waits for
    /// its flush, not its replay), which a seat map's cursor and revisions absorb.
    func readTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        guard let readNodes, !usesProbe, readNodes.readable else { return try await transaction(body) }
        let reader = readNodes.chosen
        var attempt = self
        attempt.callTimeout = min(effectiveTimeout / 2, .seconds(1))
        let logger = self.logger
        let why: String
        do {
            return try await attempt.bounded {
                try await reader.client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch .unavailable(let problem) {
            why = problem
        } catch .seatBusy {
            why = "the read was cancelled by the standby's replay"
        }
        logger.warning("read host did not answer; reading from the primary", metadata: ["host": "\(reader.label)", "error": "\(why)"])
        return try await transaction(body)
    }

    /// After a call: if calls moved to another host while it ran (a failover), the
    /// call ran on the old primary, whose last commits a rewind may drop. It answers
    /// UNAVAILABLE, never success: a door retries under its scan id on the new primary.
    func checkStillPrimary(since generation: UInt64) throws(StoreError) {
        guard nodes.generation == generation else {
            throw .unavailable("the database's primary moved during this call; retry it")
        }
    }

    /// A scan's call (VerifyTicket, MarkCheckedIn): its statements go through
    /// ``scanBatches``, each its own transaction (the scan needs no BEGIN or COMMIT),
    /// bounded and classified like ``bounded(seatID:_:)``, except that a lock it could
    /// not get is UNAVAILABLE, never "busy" (ABORTED). A scan is safe to repeat as it is
    /// (same scan id), and a door must never show "busy" to a guest as if it were a verdict.
    func scanCall<T: Sendable>(
        _ body: @escaping @Sendable (ScanBatches) async throws -> T
    ) async throws(StoreError) -> T {
        let batches = scanBatches
        let generation = nodes.generation
        do {
            let result = try await bounded { try await body(batches) }
            // Its read and its write may have gone to two hosts across a failover.
            try checkStillPrimary(since: generation)
            return result
        } catch .seatBusy {
            throw .unavailable("the seat stayed locked by another request; retry the scan")
        }
    }

    /// Answers when the database can run a query within the bound (readiness).
    public func ping() async throws(StoreError) {
        let client = self.client
        try await bounded {
            _ = try await client.query("SELECT 1", logger: self.logger).collect()
            return ()
        }
    }
}
