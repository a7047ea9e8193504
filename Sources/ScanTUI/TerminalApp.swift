import Foundation
import InventoryClient
import Logging
import ScanDecode
import ScanModel
import UsherCore

/// Runs the terminal: the curses thread feeds events, the model decides, and this
/// loop carries out the effects (checks, polls, image decoding, bells) as child
/// tasks, so nothing outlives the screen and no request ever blocks a key.
struct TerminalApp {
    let settings: DoorSettings
    let terminalSettings: TerminalSettings
    let door: Door
    let client: InventoryClientConfiguration
    let watchDirectory: String?
    /// The local store and its loops, for a door device; nil where offline mode is off.
    let offline: OfflineDoor?
    let logger: Logger

    /// GetSeatOwner calls in flight at once in the per-seat fallback.
    static let perSeatConcurrency = 8

    func run() async throws {
        let (events, sink) = AsyncStream<TerminalEvent>.makeStream(bufferingPolicy: .unbounded)
        let watcher = watchDirectory.map { ImageFolderWatcher(path: $0) }
        let terminal = CursesTerminal(useColor: settings.color)
        let size = await terminal.start(events: sink)
        var state = TerminalState(
            door: DoorState(
                settings: settings, width: size.width, height: size.height, now: Date(),
                session: UUID().uuidString.lowercased()),
            settings: terminalSettings)
        var shown = state.render()
        terminal.present(shown)
        logger.info(
            "terminal started",
            metadata: ["server": "\(client.target)", "hall": "\(door.hallID)", "role": "\(terminalSettings.role.rawValue)"])
        do {
            try await withInventoryClient(client) { client in
                await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for await connection in client.connectionStates { sink.yield(.door(.connection(connection))) }
                    }
                    // A heartbeat, so the status bar tells the truth between scans: a
                    // dead server shows OFFLINE before the next guest, and a server
                    // that is back shows ONLINE without anyone scanning. Each answer
                    // is a probe for the model's switch (back online after 3 good ones
                    // in a row), so after a failure it probes every second until
                    // three have passed.
                    tasks.addTask {
                        var good = 0
                        while !Task.isCancelled {
                            try await Task.sleep(for: good >= 3 ? .seconds(5) : .seconds(1))
                            let ok = (try? await client.health()) == true
                            good = ok ? good + 1 : 0
                            sink.yield(.door(.probed(ok: ok, at: .now)))
                        }
                    }
                    if let offline {
                        tasks.addTask { try await offline.runSync(client: client, sink: sink) }
                        tasks.addTask { try await offline.runUploads(client: client, sink: sink) }
                    }
                    if let watcher {
                        tasks.addTask { try await watcher.run { sink.yield(.door(.imageDropped(path: $0))) } }
                    }
                    var lastRender = ContinuousClock.now
                    loop: for await event in events {
                        let effects = state.update(event)
                        offline?.link.update(state.door.link)
                        for effect in effects {
                            if case .door(.quit) = effect { break loop }
                            perform(effect, client: client, tasks: &tasks, sink: sink, terminal: terminal)
                        }
                        // A quiet clock tick (20 a second) redraws at most 4 times a second:
                        // enough for the clock and a verdict that clears itself, and an
                        // idle screen then costs next to nothing. Keys and answers redraw at once.
                        if case .door(.tick) = event, effects.isEmpty, ContinuousClock.now - lastRender < .milliseconds(250) {
                            continue
                        }
                        lastRender = .now
                        // Redraw only when something visible changed.
                        let screen = state.render()
                        if screen != shown {
                            shown = screen
                            terminal.present(screen)
                        }
                    }
                    tasks.cancelAll()
                }
            }
        } catch {
            await terminal.stop()
            throw error
        }
        await terminal.stop()
    }

    /// A scan's answer, online or offline: logged, then handed to the model.
    private static func answer(
        _ scan: Scan, admission: Bool, offline: Bool, outcome: Result<ScanReport, CallFailure>, started: ContinuousClock.Instant,
        logger: Logger, sink: AsyncStream<TerminalEvent>.Continuation
    ) {
        let finished = ContinuousClock.now
        logger.info(
            "scan", metadata: [
                "scan_id": "\(scan.id)", "admit": "\(admission)", "offline": "\(offline)", "latency": "\(finished - started)",
                "result": "\((try? outcome.get().result.rawValue) ?? "error")",
            ])
        sink.yield(.door(.checked(scanID: scan.id, admission: admission, outcome: outcome, latency: finished - started, at: finished)))
    }

    private func perform(
        _ effect: TerminalEffect, client: InventoryClient, tasks: inout ThrowingTaskGroup<Void, any Error>,
        sink: AsyncStream<TerminalEvent>.Continuation, terminal: CursesTerminal
    ) {
        switch effect {
        case .door(.quit), .door(.showView):
            break  // handled by the loop and the model
        case .door(.bell(let pattern)):
            if settings.bell { terminal.bell(times: pattern.beeps) }
        case .door(.decodeImage(let path)):
            tasks.addTask { sink.yield(.door(Self.decode(path))) }
        case .door(.check(let scan, let admit)):
            // The scan exactly as the model made it: its id is the request's scan_id.
            let door = self.door
            let logger = self.logger
            tasks.addTask {
                let started = ContinuousClock.now
                let outcome = await Result.of { () async throws(InventoryClientError) in
                    if let seat = scan.seatID {
                        return try await client.admitSearchedSeat(seat, at: door, scanID: scan.id, direction: scan.direction)
                    }
                    if admit { return try await client.markCheckedIn(scan.code, at: door, scanID: scan.id, direction: scan.direction) }
                    return try await client.verifyTicket(scan.code, at: door)
                }
                Self.answer(scan, admission: admit, offline: false, outcome: outcome, started: started, logger: logger, sink: sink)
            }
        case .door(.checkOffline(let scan)):
            // Decided from the local store and journalled before the answer goes back.
            let offline = self.offline
            let logger = self.logger
            tasks.addTask {
                let started = ContinuousClock.now
                let outcome =
                    offline?.decide(scan)
                    ?? .failure(CallFailure(.failed, "offline checking needs a door device (this terminal keeps no local store)"))
                Self.answer(scan, admission: true, offline: true, outcome: outcome, started: started, logger: logger, sink: sink)
            }
        case .door(.annul(let admission, let annulID, let reason)):
            let door = self.door
            let logger = self.logger
            tasks.addTask {
                let outcome = await Result.of { () async throws(InventoryClientError) in
                    try await client.annulCheckIn(admission, annulID: annulID, reason: reason, at: door)
                }
                logger.notice(
                    "annul", metadata: [
                        "admission": "\(admission)", "reason": "\(reason)",
                        "result": "\((try? outcome.get()).map { $0.replayed ? "replayed" : "annulled" } ?? "error")",
                    ])
                sink.yield(.door(.annulled(admission, outcome)))
            }
        case .door(.override(let draft)):
            let door = self.door
            let logger = self.logger
            tasks.addTask {
                let outcome = await Result.of { () async throws(InventoryClientError) in
                    try await client.overrideCheckIn(
                        draft.scan.code, at: door, scanID: draft.overrideID, reason: draft.reason,
                        supervisor: draft.supervisor, pin: draft.pin)
                }
                // The PIN stays out of the log; who vouched, and for what, goes in.
                logger.notice(
                    "override", metadata: [
                        "scan_id": "\(draft.overrideID)", "supervisor": "\(draft.supervisor)", "reason": "\(draft.reason)",
                        "result": "\((try? outcome.get()).map { $0.replayed ? "replayed" : "admitted" } ?? "refused")",
                    ])
                sink.yield(.door(.overridden(scanID: draft.scan.id, outcome)))
            }
        case .door(.unlock(let supervisor, let pin, let action, let command)):
            let logger = self.logger
            tasks.addTask {
                let outcome = await Result.of { () async throws(InventoryClientError) -> Date in
                    try await client.unlockKiosk(supervisor: supervisor, pin: pin, action: action)
                    return Date()
                }
                // The PIN stays out of the log.
                logger.notice(
                    "kiosk unlock", metadata: [
                        "supervisor": "\(supervisor)", "action": "\(action)",
                        "result": "\((try? outcome.get()) == nil ? "refused" : "unlocked")",
                    ])
                sink.yield(.door(.unlocked(then: command, outcome)))
            }
        case .door(.search(let query)):
            let hallID = door.hallID
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in
                    try await client.searchSeats(query, hallID: hallID)
                }
                sink.yield(.door(.searched(query: query, result)))
            }
        case .loadConflicts:
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.conflicts() }
                sink.yield(.conflicts(result, at: .now))
            }
        case .loadDoors:
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.doors() }
                sink.yield(.doors(result, at: .now))
            }
        case .acknowledgeConflict(let id):
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.acknowledgeConflict(id: id) }
                sink.yield(.conflictAcknowledged(result))
            }
        case .door(.loadSchedule):
            let hallID = door.hallID
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.hallSchedule(hallID: hallID) }
                sink.yield(.door(.schedule(result, at: .now)))
            }
        case .loadHallSeats(let target, let since):
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in
                    try await client.hallSeats(hallID: target.hallID, eventID: target.eventID, since: since)
                }
                sink.yield(.hallSeats(target: target, since: since, result, at: .now))
            }
        case .readSeats(let target, let seatIDs):
            tasks.addTask {
                let results = await Self.readSeats(seatIDs, client: client)
                sink.yield(.seatsRead(target: target, results, at: .now))
            }
        case .readSeatDetail(let seatID):
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.seat(seatID) }
                sink.yield(.seatDetail(seatID: seatID, result))
            }
        case .loadOccupancy:
            tasks.addTask {
                let result = await Result.of { () async throws(InventoryClientError) in try await client.hallOccupancy() }
                sink.yield(.occupancy(result, at: .now))
            }
        }
    }

    /// GetSeatOwner for each seat, at most ``perSeatConcurrency`` at a time.
    static func readSeats(_ seatIDs: [String], client: InventoryClient) async -> [String: Result<Seat, CallFailure>] {
        await withTaskGroup(of: (String, Result<Seat, CallFailure>).self) { group in
            var results: [String: Result<Seat, CallFailure>] = [:]
            var pending = seatIDs[...]
            func startNext() {
                guard let seatID = pending.popFirst() else { return }
                group.addTask {
                    (seatID, await Result.of { () async throws(InventoryClientError) in try await client.seat(seatID) })
                }
            }
            for _ in 0..<perSeatConcurrency { startNext() }
            while let (seatID, result) = await group.next() {
                results[seatID] = result
                startNext()
            }
            return results
        }
    }

    static func decode(_ path: String) -> DoorEvent {
        do {
            return .decoded(path: path, outcome: .codes(try QRCodeReader.codes(inImageAt: URL(fileURLWithPath: path))))
        } catch {
            return .decoded(path: path, outcome: .failed(error.description))
        }
    }
}

extension Result where Failure == CallFailure {
    /// The outcome of a client call as a value for the model, which knows no transport.
    static func of(_ body: () async throws(InventoryClientError) -> Success) async -> Self {
        do {
            return .success(try await body())
        } catch {
            return .failure(CallFailure(error))
        }
    }
}

extension CallFailure {
    /// What the model needs of a client error: did the call get an answer at all?
    init(_ error: InventoryClientError) {
        let kind: Kind
        switch error.kind {
        case .unreachable, .deadlineExceeded, .circuitOpen, .serverUnavailable, .cancelled: kind = .unanswered
        case .unimplemented: kind = .unsupported
        case .tlsUntrusted, .tlsFailed, .plaintextToTLS, .permissionDenied, .unauthenticated, .notFound, .rejected,
            .conflict, .invalidRequest, .invalidConfiguration:
            kind = .failed
        // INTERNAL, UNKNOWN or an answer that would not map: the server may have acted.
        case .serverError: kind = .unclear
        }
        self.init(kind, error.userMessage)
    }
}
