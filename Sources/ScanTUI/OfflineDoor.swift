import DoorStore
import Foundation
import InventoryClient
import Logging
import ScanModel
import Synchronization
import UsherCore

/// The client's door, by a name that the `door` subcommand (also `Door`) does not shadow.
typealias ClientDoor = Door

/// The door's offline half, in the shell: it keeps the local store synced while the
/// server answers, decides a scan from the store when the server does not (journal
/// first), and uploads the journal, in order, whenever the server answers again.
/// The model decides *when* (``DoorLink``); this does the I/O.
struct OfflineDoor: Sendable {
    let store: DoorStore
    let door: Door
    /// Times in offline messages ("doors open 19:00") are given in the door's zone.
    let timeZone: TimeZone
    let logger: Logger
    /// This terminal's clock: the skew is measured against it. Tests give a clock
    /// that is off, as a door's can be.
    var clock: @Sendable () -> Date = { Date() }
    /// Where the model's switch stands, for the report each sync carries.
    let link = LinkStanding()

    /// How often the store is brought up to date while the server answers: a ticket
    /// admitted at another door is known here within this long.
    static let syncInterval: Duration = .seconds(3)
    /// How long to wait before uploading again after the server did not answer.
    static let uploadRetry: Duration = .seconds(2)
    static let uploadBatch = 50
    /// How long a row the server refused waits before it is tried again.
    static let refusedRetry: Duration = .seconds(60)

    /// Syncs every ``syncInterval`` until cancelled, and tells the model each time.
    func runSync(client: InventoryClient, sink: AsyncStream<TerminalEvent>.Continuation) async throws {
        while !Task.isCancelled {
            let outcome = await syncOnce(client: client)
            if case .failure(let failure) = outcome, failure.kind != .unanswered {
                logger.warning("door sync failed", metadata: ["error": "\(failure.message)"])
            }
            sink.yield(.door(.synced(outcome)))
            try await Task.sleep(for: Self.syncInterval)
        }
    }

    /// One SyncDoor into the store. The skew is this terminal's clock at the middle of
    /// the round trip minus the server's clock in the answer (good to about half the
    /// round trip, far below the 30 s that is worth a warning).
    func syncOnce(client: InventoryClient) async -> Result<DoorSyncStatus, CallFailure> {
        do {
            let state = try store.syncState()
            let (offline, forced) = link.current
            let report = DoorReport(
                offline: offline, forced: forced, pendingUploads: try store.pendingCount(), clockSkew: state.clockSkew)
            let sent = clock()
            let sync = try await client.syncDoor(hallID: door.hallID, since: state.cursor, report: report)
            let received = clock()
            let skew = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2).timeIntervalSince(sync.serverTime)
            let summary = try store.apply(sync, syncedAt: received, clockSkew: skew)
            return .success(DoorSyncStatus(lastSyncAt: received, clockSkew: skew, seats: summary.seatCount))
        } catch let error as InventoryClientError {
            return .failure(CallFailure(error))
        } catch {
            return .failure(CallFailure(.failed, "the local store: \(error)"))
        }
    }

    /// Decides `scan` from the store and commits it to the journal before answering,
    /// so a verdict on screen is never one the journal could lose. A store that never
    /// synced has no keys: it cannot check anything, and says so rather than calling
    /// every ticket forged.
    func decide(_ scan: Scan) -> Result<ScanReport, CallFailure> {
        do {
            let synced = try store.syncState()
            guard synced.hasSynced else {
                return .failure(CallFailure(.failed, "cannot check offline: this door has not synced with the server yet"))
            }
            let decision = try store.decideAndJournal(
                scanID: scan.id, code: scan.code,
                at: DoorPost(hallID: door.hallID, eventID: door.eventID, timeZone: timeZone), now: scan.readAt,
                terminalID: door.terminalID, staffID: door.staffID)
            return .success(decision.report(hallName: synced.hallName))
        } catch {
            logger.error("offline check failed", metadata: ["scan_id": "\(scan.id)", "error": "\(error)"])
            return .failure(CallFailure(.failed, "could not check locally: \(error)"))
        }
    }

    /// Uploads the journal in order whenever there is something to send, marking a
    /// row uploaded only once the server has answered for it.
    ///
    /// - The server away: the round stops where it is and starts again from the
    ///   oldest row, so the order holds.
    /// - A row the server refuses (a request error, not an outage) stays in the
    ///   journal, is logged and counted on the door's status bar, and is tried again
    ///   after ``refusedRetry``; the rows after it still go (paged by `seq`), so one
    ///   bad row never holds up the scans behind it.
    func runUploads(client: InventoryClient, sink: AsyncStream<TerminalEvent>.Continuation) async throws {
        var conflicts = 0
        var lastStatus: JournalStatus?
        var after: Int64 = 0
        var refused: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            var waitAfter = Duration.seconds(1)
            do {
                let pending = try store.pendingUploads(limit: Self.uploadBatch, after: after)
                var stopped = false
                for entry in pending {
                    after = entry.seq
                    if let at = refused[entry.scanID], ContinuousClock.now - at < Self.refusedRetry { continue }
                    let door = Door(
                        hallID: self.door.hallID, eventID: self.door.eventID, staffID: entry.staffID,
                        terminalID: entry.terminalID)
                    do {
                        let report = try await client.uploadOfflineScan(
                            entry.code, at: door, scanID: entry.scanID, offline: entry.offline)
                        try store.markUploaded(
                            scanID: entry.scanID, serverResult: report.result, serverReason: report.verdict.reason,
                            conflictID: report.conflictID, at: Date())
                        refused[entry.scanID] = nil
                        // Once per journal row: a row is marked (and counted) only once.
                        if report.conflictID != nil { conflicts += 1 }
                        logger.info(
                            "offline scan uploaded",
                            metadata: [
                                "scan_id": "\(entry.scanID)", "result": "\(report.result.rawValue)",
                                "replayed": "\(report.replayed)", "conflict": "\(report.conflictID.map(String.init) ?? "")",
                            ])
                    } catch let error as InventoryClientError where CallFailure(error).kind == .unanswered {
                        stopped = true
                        break  // the server is away: the rest waits, in order
                    } catch let error as InventoryClientError {
                        refused[entry.scanID] = .now
                        logger.error(
                            "offline scan refused by the server; kept in the journal",
                            metadata: ["scan_id": "\(entry.scanID)", "error": "\(error.userMessage)"])
                    }
                }
                if stopped || pending.isEmpty {
                    after = 0
                    if stopped { waitAfter = Self.uploadRetry }
                } else {
                    waitAfter = .zero  // more may follow this page
                }
                let status = JournalStatus(pending: try store.pendingCount(), conflicts: conflicts, refused: refused.count)
                if status != lastStatus {
                    lastStatus = status
                    sink.yield(.door(.journal(status)))
                }
            } catch {
                logger.error("the door's journal could not be read", metadata: ["error": "\(error)"])
                waitAfter = Self.uploadRetry
                after = 0
            }
            try await Task.sleep(for: waitAfter)
        }
    }
}

/// The model's online/offline switch as the sync loop reads it: the loop runs beside
/// the model, so the runner copies the switch here after each update.
final class LinkStanding: Sendable {
    private let state = Mutex((offline: false, forced: false))

    var current: (offline: Bool, forced: Bool) { state.withLock { $0 } }

    func update(_ link: DoorLink) {
        state.withLock { $0 = (link.isOffline, link.force != nil) }
    }
}
