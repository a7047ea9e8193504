import Foundation
import InventoryClient
import Logging
import ScanDecode
import ScanModel

/// Runs the door: the terminal thread feeds events, the model decides, and this
/// loop carries out the effects (checks, image decoding, bells) as child tasks,
/// so nothing outlives the screen.
struct DoorApp {
    let settings: DoorSettings
    let door: Door
    let client: InventoryClientConfiguration
    let watchDirectory: String?
    let logger: Logger

    func run() async throws {
        let (events, sink) = AsyncStream<DoorEvent>.makeStream(bufferingPolicy: .unbounded)
        let terminal = CursesTerminal(useColor: settings.color)
        let size = await terminal.start(events: sink)
        var state = DoorState(settings: settings, width: size.width, height: size.height, now: Date())
        var shown = state.render()
        terminal.present(shown)
        logger.info("door started", metadata: ["server": "\(client.target)", "hall": "\(door.hallID)"])
        do {
            try await withInventoryClient(client) { client in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for await connection in client.connectionStates { sink.yield(.connection(connection)) }
                    }
                    // A heartbeat, so the status bar tells the truth between scans: a
                    // dead server shows OFFLINE before the next guest, and a server
                    // that is back shows ONLINE without anyone scanning.
                    tasks.addTask {
                        while !Task.isCancelled {
                            let online = client.connectionState.status == .online
                            try await Task.sleep(for: online ? .seconds(5) : .seconds(1))
                            _ = try? await client.health()
                        }
                    }
                    if let watchDirectory {
                        tasks.addTask { try await ImageFolderWatcher(path: watchDirectory).run { sink.yield(.imageDropped(path: $0)) } }
                    }
                    loop: for await event in events {
                        for effect in state.update(event) {
                            switch effect {
                            case .quit:
                                break loop
                            case .bell(let pattern):
                                if settings.bell { terminal.bell(times: pattern.beeps) }
                            case .decodeImage(let path):
                                tasks.addTask { sink.yield(Self.decode(path)) }
                            case .check(let code, let admit):
                                let door = self.door
                                let logger = self.logger
                                tasks.addTask {
                                    let started = ContinuousClock.now
                                    let outcome: Result<ScanReport, InventoryClientError>
                                    do throws(InventoryClientError) {
                                        if admit {
                                            outcome = .success(
                                                try await client.markCheckedIn(code, at: door, scanID: UUID().uuidString.lowercased()))
                                        } else {
                                            outcome = .success(try await client.verifyTicket(code, at: door))
                                        }
                                    } catch {
                                        outcome = .failure(error)
                                    }
                                    let finished = ContinuousClock.now
                                    logger.info(
                                        "scan", metadata: [
                                            "admit": "\(admit)", "latency": "\(finished - started)",
                                            "result": "\((try? outcome.get().result.rawValue) ?? "error")",
                                        ])
                                    sink.yield(.checked(code: code, admission: admit, outcome: outcome, latency: finished - started, at: finished))
                                }
                            }
                        }
                        // Redraw only when something visible changed: an idle door costs nothing.
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

    static func decode(_ path: String) -> DoorEvent {
        do {
            return .decoded(path: path, outcome: .codes(try QRCodeReader.codes(inImageAt: URL(fileURLWithPath: path))))
        } catch {
            return .decoded(path: path, outcome: .failed(error.description))
        }
    }
}
