import ArgumentParser
import DoorStore
import Foundation
import InventoryClient
import Logging
import ScanModel
import UsherCore

extension ScanTUICommand {
    /// The full-screen door terminal (the default).
    struct Door: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "door", abstract: "Run the door terminal (default).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("auto: a scan admits; confirm: Enter admits after the verdict (env USHER_MODE).", valueName: "auto|confirm"))
        var mode: ScanMode = ScanMode(argument: ProcessInfo.processInfo.environment["USHER_MODE"] ?? "auto") ?? .auto

        @Option(help: "entry, exit or both (x switches): which way this door counts people (env USHER_DIRECTION).")
        var direction: DoorDirections = DoorDirections(rawValue: ProcessInfo.processInfo.environment["USHER_DIRECTION"] ?? "entry") ?? .entry

        @Flag(help: "Nobody stands at this door: quitting, opening images, leaving the door view and changing settings need a supervisor's PIN; Ctrl-C is ignored; scanning works (env USHER_KIOSK=1).")
        var kiosk = false

        @Option(help: ArgumentHelp("Decode images dropped into this folder (env USHER_WATCH).", valueName: "dir"))
        var watch: String?

        @Flag(help: "ASCII only: no Unicode glyphs or lines (env USHER_ASCII=1).")
        var ascii = false

        @Flag(help: "No terminal bell (env USHER_NO_BELL=1).")
        var noBell = false

        @Option(help: ArgumentHelp("Seconds a SUCCESS stays on screen; 0 keeps it until a key.", valueName: "s"))
        var successSeconds: Double = 3

        @Option(help: ArgumentHelp("Seconds a denial stays on screen; 0 (default) keeps it until a key.", valueName: "s"))
        var denialSeconds: Double = 0

        @Flag(help: "Also accept scanner bursts that end without Enter (some scanners send no suffix).")
        var acceptUnterminatedScans = false

        @Option(help: ArgumentHelp("door: the door view only (unless --allow-views); supervisor: also the seat map and occupancy views (env USHER_ROLE). Default: the enrolled device's role.", valueName: "door|supervisor"))
        var role: TerminalRole?

        @Flag(help: "Let a door terminal show the supervisor views too (env USHER_ALLOW_VIEWS=1).")
        var allowViews = false

        @Option(help: ArgumentHelp("The view to start on (default: door; occupancy for a supervisor).", valueName: "door|map|occupancy"))
        var view: TerminalView?

        @Option(help: ArgumentHelp("Seconds between refreshes of a seat map or occupancy table on screen.", valueName: "s"))
        var pollInterval: Double = 1

        @Option(help: ArgumentHelp("The venue file (JSON), to draw seat maps from a server without ListHallSeats.", valueName: "file"))
        var venue: String?

        @Option(help: ArgumentHelp("GetSeatOwner calls per refresh when drawing a map seat by seat.", valueName: "n"))
        var perSeatBatch: Int = 48

        @Option(help: ArgumentHelp(
            "The door's local store and scan journal for offline mode (env USHER_DOOR_STORE). Default: $XDG_STATE_HOME/usher/door-<hall>.sqlite.",
            valueName: "file"))
        var store: String?

        @Option(help: ArgumentHelp("Log file (the screen is never used for logs).", valueName: "file"))
        var logFile: String = ProcessInfo.processInfo.environment["USHER_LOG_FILE"] ?? "/tmp/scan-tui-\(getuid()).log"

        func validate() throws {
            guard pollInterval >= 0.1, pollInterval <= 3600 else { throw ValidationError("--poll-interval must be 0.1–3600 seconds") }
            guard (1...1000).contains(perSeatBatch) else { throw ValidationError("--per-seat-batch must be 1–1000") }
        }

        /// The flag, else USHER_ROLE, else what the device was enrolled as (a
        /// supervisor device opens on the supervisor views).
        func resolvedRole(_ credential: DeviceCredential) -> TerminalRole {
            role ?? ProcessInfo.processInfo.environment["USHER_ROLE"].flatMap(TerminalRole.init(argument:))
                ?? (credential.role == .supervisor ? .supervisor : .door)
        }

        func terminalSettings(layouts: [HallLayout], role: TerminalRole) throws -> TerminalSettings {
            let allows = allowViews || ProcessInfo.processInfo.environment["USHER_ALLOW_VIEWS"] == "1"
            let settings = TerminalSettings(
                role: role, allowsViews: allows,
                initialView: view ?? (role == .supervisor ? .occupancy : .door),
                pollInterval: .milliseconds(Int(pollInterval * 1000)), perSeatBatch: perSeatBatch,
                fallbackLayouts: layouts)
            if let view, view != .door, !settings.viewsEnabled {
                throw ValidationError(
                    "a door terminal shows the door view only; use --role supervisor or --allow-views for --view \(view.rawValue)")
            }
            return settings
        }

        /// The venue file's layouts, read before the screen starts so a bad file is a
        /// plain error message, not a broken screen.
        func layouts() throws -> [HallLayout] {
            guard let venue else { return [] }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: venue))
            } catch {
                throw ValidationError("cannot read venue file \(venue): \(error.localizedDescription)")
            }
            do {
                return HallLayout.layouts(of: try VenueFile.decode(data, now: Date()))
            } catch {
                throw ValidationError("venue file \(venue): \(error)")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let layouts = try layouts()
            let sink = FileLogHandler.Sink(path: logFile)
            LoggingSystem.bootstrap { FileLogHandler(label: $0, sink: sink) }
            let logger = Logger(label: "usher.scan-tui")
            // A door PC set up fresh: scan the enrollment QR here, as a ticket is scanned.
            if !CredentialFile.exists(connection.credentialPath), isatty(STDIN_FILENO) == 1 {
                try await EnrollAtTheDoor.run(credentialPath: connection.credentialPath)
            }
            let credential = try connection.deviceCredential()
            let terminalSettings = try terminalSettings(layouts: layouts, role: resolvedRole(credential))
            let door = try connection.door()
            var scanner = ScannerInput.Configuration()
            scanner.acceptsUnterminatedBursts = acceptUnterminatedScans
            let settings = DoorSettings(
                server: try connection.serverAddress(), hallID: door.hallID, eventID: door.eventID, staffID: door.staffID,
                terminalID: door.terminalID,
                mode: mode,
                ascii: ascii || environment["USHER_ASCII"] == "1",
                // https://no-color.org: any non-empty NO_COLOR turns colour off.
                color: (environment["NO_COLOR"] ?? "").isEmpty,
                bell: !(noBell || environment["USHER_NO_BELL"] == "1"),
                successClearsAfter: successSeconds > 0 ? .milliseconds(Int(successSeconds * 1000)) : nil,
                denialClearsAfter: denialSeconds > 0 ? .milliseconds(Int(denialSeconds * 1000)) : nil,
                scanner: scanner, directions: direction, kiosk: kiosk || environment["USHER_KIOSK"] == "1")
            if settings.kiosk {
                // The screen is raw (Ctrl-C, Ctrl-Z and Ctrl-\ arrive as keys, and the model
                // ignores them); these cover the moments before it is, and after.
                for sig in [SIGINT, SIGQUIT, SIGTSTP] { signal(sig, SIG_IGN) }
            }
            // Opened before the screen starts, so a damaged journal is a plain message
            // (and the file is kept aside, never deleted), not a broken screen.
            let offline =
                try credential.role == .door
                ? openStore(door: door, owner: DoorStoreOwner(terminalID: door.terminalID, server: credential.fingerprint.description), environment: environment, logger: logger)
                : nil
            try await TerminalApp(
                settings: settings, terminalSettings: terminalSettings, door: door, client: try connection.clientConfiguration(logger: logger),
                watchDirectory: watch ?? environment["USHER_WATCH"], offline: offline, logger: logger
            ).run()
        }

        /// The door's local store, at --store, USHER_DOOR_STORE or the default place.
        func openStore(door: ClientDoor, owner: DoorStoreOwner, environment: [String: String], logger: Logger) throws -> OfflineDoor {
            let path = store ?? environment["USHER_DOOR_STORE"]
            let url = path.map { URL(fileURLWithPath: $0) }
                ?? DoorStore.defaultLocation(hallID: door.hallID, environment: environment)
            do {
                let opened = try DoorStore.open(at: url, owner: owner)
                logger.info("door store opened", metadata: ["path": "\(url.path)"])
                if let setAside = opened.setAside {
                    logger.warning("\(setAside)")
                    FileHandle.standardError.write(Data("scan-tui: \(setAside)\n".utf8))
                }
                return OfflineDoor(store: opened, door: door, timeZone: .current, logger: logger)
            } catch {
                FileHandle.standardError.write(Data("scan-tui: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
