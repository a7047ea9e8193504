import ArgumentParser
import Foundation
import InventoryStore
import Logging
import TicketExport
import UsherCore

struct Tickets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print tickets.", subcommands: [Export.self, Sign.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a QR PNG for every sold seat of an event, and manifest.csv (seat, owner, ticket_code, file).")

        @Option(help: ArgumentHelp("The event whose sold seats to print.", valueName: "id"))
        var event: String

        @Option(help: ArgumentHelp("Directory for the PNGs and manifest.csv (created if missing).", valueName: "dir"))
        var out: String

        @Flag(help: "Write manifest.csv only, with the codes and an empty file column: no PNGs.")
        var noImages = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var keys: TicketKeyOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard InputRules.isIdentifier(event) else { throw ValidationError("--event is not a valid event id") }
        }

        func run() async throws {
            let eventID = event
            let (sold, signer) = try await withSigningStore(database, keys, logging) { store in
                try await store.soldTickets(eventID: eventID)
            }
            let tickets = sold.map {
                ExportTicket(
                    seatID: $0.claims.seatID, ownerUserID: $0.ownerUserID,
                    ticketCode: TicketCode.issue($0.claims, signer: signer))
            }
            let started = ContinuousClock.now
            let progress = ProgressBar(total: noImages ? 0 : tickets.count, label: "Exporting \(eventID)")
            try await TicketExporter.export(tickets, to: URL(fileURLWithPath: out), images: !noImages) { count in
                progress.advance(by: count)
            }
            progress.finish()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("exported \(tickets.count) tickets of \(eventID) to \(out)/ (\(noImages ? "manifest.csv only" : "PNGs and manifest.csv")) in \(String(format: "%.1f", seconds)) s")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one seat's current ticket: its code on stdout, and a QR PNG with --out.")

        @Option(help: ArgumentHelp("The seat.", valueName: "id"))
        var seat: String

        @Option(help: ArgumentHelp(
            "Sign this serial instead of the seat's current one (to show what a revoked code looks like).",
            valueName: "n"))
        var serial: Int64?

        @Option(help: ArgumentHelp("Write the QR code to this PNG file.", valueName: "file"))
        var out: String?

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var keys: TicketKeyOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard InputRules.isIdentifier(seat) else { throw ValidationError("--seat is not a valid seat id") }
            if let serial, serial < 0 { throw ValidationError("--serial must be 0 or more") }
        }

        func run() async throws {
            let seatID = seat
            var (ticket, signer) = try await withSigningStore(database, keys, logging) { store in
                try await store.currentTicket(seatID: seatID)
            }
            if let serial { ticket.claims.serial = serial }
            let code = TicketCode.issue(ticket.claims, signer: signer)
            if let out { try QRImage(text: code).writePNG(to: URL(fileURLWithPath: out)) }
            print(code)
        }
    }
}

/// Runs one store call for a tickets command and returns its result with the
/// signing key the command prints with.
private func withSigningStore<T: Sendable>(
    _ database: DatabaseOptions, _ keys: TicketKeyOptions, _ logging: LoggingOptions,
    _ body: @escaping @Sendable (InventoryStore) async throws -> T
) async throws -> (T, TicketSigningKey) {
    let logger = logging.makeLogger()
    let keyring = try keys.keyring(dataDir: database.dataDir, logger: logger)
    guard let signer = keyring.signer else { throw ValidationError("no signing key") }
    let result = try await database.withDatabase(logger: logger) { hosts in
        try await withTemporaryClient(hosts[0], logger: logger) { client in
            try await body(InventoryStore(client: client, logger: logger, keyring: keyring))
        }
    }
    return (result, signer)
}
