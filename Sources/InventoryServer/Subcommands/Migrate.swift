import ArgumentParser
import Logging

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations and exit (serve also does this at start-up).")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        try await database.withDatabase(logger: logger) { hosts in
            try await InventoryServerApp(configuration: .init(database: hosts[0]), logger: logger).migrate()
        }
        print("schema is up to date")
    }
}
