import ArgumentParser
import Logging

@main
struct InventoryServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory-server",
        abstract: "The Usher seat inventory: gRPC on :50051, health and metrics on :8080.",
        subcommands: [Serve.self, Migrate.self, Venue.self, Tickets.self, Devices.self],
        defaultSubcommand: Serve.self)
}

/// Logging shared by every subcommand.
struct LoggingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (env USHER_LOG_LEVEL).", valueName: "level"))
    var logLevel: String = Environment.string("USHER_LOG_LEVEL") ?? "info"

    func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "usher.inventory")
    }
}
