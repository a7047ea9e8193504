import ArgumentParser
import Foundation
import InventoryClient
import Logging
import ScanModel

extension ScanTUICommand {
    /// The full-screen door terminal (the default).
    struct Door: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "door", abstract: "Run the door terminal (default).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("auto: a scan admits; confirm: Enter admits after the verdict (env USHER_MODE).", valueName: "auto|confirm"))
        var mode: ScanMode = ScanMode(argument: ProcessInfo.processInfo.environment["USHER_MODE"] ?? "auto") ?? .auto

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

        @Option(help: ArgumentHelp("Log file (the screen is never used for logs).", valueName: "file"))
        var logFile: String = ProcessInfo.processInfo.environment["USHER_LOG_FILE"] ?? "/tmp/scan-tui-\(getuid()).log"

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let sink = FileLogHandler.Sink(path: logFile)
            LoggingSystem.bootstrap { FileLogHandler(label: $0, sink: sink) }
            let logger = Logger(label: "usher.scan-tui")
            let door = try connection.door()
            var scanner = ScannerInput.Configuration()
            scanner.acceptsUnterminatedBursts = acceptUnterminatedScans
            let settings = DoorSettings(
                server: connection.server, hallID: door.hallID, staffID: door.staffID, terminalID: door.terminalID,
                mode: mode,
                ascii: ascii || environment["USHER_ASCII"] == "1",
                // https://no-color.org: any non-empty NO_COLOR turns colour off.
                color: (environment["NO_COLOR"] ?? "").isEmpty,
                bell: !(noBell || environment["USHER_NO_BELL"] == "1"),
                successClearsAfter: successSeconds > 0 ? .milliseconds(Int(successSeconds * 1000)) : nil,
                denialClearsAfter: denialSeconds > 0 ? .milliseconds(Int(denialSeconds * 1000)) : nil,
                scanner: scanner)
            try await DoorApp(
                settings: settings, door: door, client: try connection.clientConfiguration(logger: logger),
                watchDirectory: watch ?? environment["USHER_WATCH"], logger: logger
            ).run()
        }
    }
}
