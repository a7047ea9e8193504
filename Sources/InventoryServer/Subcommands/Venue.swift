import ArgumentParser
import Foundation
import InventoryStore
import Logging
import UsherCore

struct Venue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage halls, events and seats.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load halls, events and seats from a venue JSON file (docs/venue-format.md). Safe to repeat.")

        @Argument(help: "The venue file, e.g. assets/venues/demo.json.")
        var file: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.makeLogger()
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let venue: VenueFile
            do {
                venue = try VenueFile.decode(data, now: Date())
            } catch {
                throw ValidationError("\(file): \(error)")
            }
            let summary = try await database.withDatabase(logger: logger) { hosts in
                let app = InventoryServerApp(configuration: .init(database: hosts[0]), logger: logger)
                try await app.migrate()
                return try await withTemporaryClient(hosts[0], logger: logger) { client in
                    try await InventoryStore(client: client, logger: logger, keyring: TicketKeyring(signer: nil))
                        .importVenue(venue)
                }
            }
            print("imported \(file): \(summary)")
            // Overlapping windows are allowed but a door there cannot tell the shows apart.
            for warning in summary.warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        }
    }
}
