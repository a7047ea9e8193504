import ArgumentParser
import Foundation
import InventoryClient
import Logging
import ScanModel

/// Where the server is and who this terminal is. Every flag has an environment
/// variable, so a door PC can be set up once.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Inventory server host:port (env USHER_SERVER).", valueName: "host:port"))
    var server: String = ProcessInfo.processInfo.environment["USHER_SERVER"] ?? "127.0.0.1:50051"

    @Option(help: ArgumentHelp("Use TLS, trusting this CA certificate (PEM) (env USHER_TLS_CA).", valueName: "file"))
    var tlsCA: String?

    @Option(help: ArgumentHelp("The hall this door admits to (env USHER_HALL).", valueName: "id"))
    var hall: String?

    @Option(help: ArgumentHelp("Who is scanning (env USHER_STAFF).", valueName: "id"))
    var staff: String = ProcessInfo.processInfo.environment["USHER_STAFF"] ?? ProcessInfo.processInfo.environment["USER"] ?? "staff"

    @Option(help: ArgumentHelp("This terminal's id (env USHER_TERMINAL_ID).", valueName: "id"))
    var terminalID: String = ProcessInfo.processInfo.environment["USHER_TERMINAL_ID"] ?? "door-" + ProcessInfo.processInfo.hostName.prefix(20)

    @Option(help: ArgumentHelp("Admit only this event of the hall; a ticket for another of its shows is WRONG_HALL (WRONG_EVENT) (env USHER_EVENT).", valueName: "id"))
    var event: String?

    var resolvedHall: String? { hall ?? ProcessInfo.processInfo.environment["USHER_HALL"] }

    var resolvedEvent: String? {
        let event = self.event ?? ProcessInfo.processInfo.environment["USHER_EVENT"]
        return event?.isEmpty == false ? event : nil
    }

    func clientConfiguration(logger: Logger) throws -> InventoryClientConfiguration {
        let ca = tlsCA ?? ProcessInfo.processInfo.environment["USHER_TLS_CA"]
        var configuration = try InventoryClientConfiguration(target: server, security: ca.map { .tls(caCertificate: $0) } ?? .plaintext)
        configuration.logger = logger
        return configuration
    }

    func door() throws -> Door {
        guard let hall = resolvedHall, !hall.isEmpty else { throw ValidationError("--hall (or USHER_HALL) is required") }
        let sanitized = String(terminalID.map { $0.isLetter || $0.isNumber || "._:@+-".contains($0) ? $0 : "-" })
        return Door(hallID: hall, eventID: resolvedEvent, staffID: staff, terminalID: sanitized)
    }
}

extension ScanMode: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "confirm": self = .confirm
        default: return nil
        }
    }
}

extension TerminalRole: ExpressibleByArgument {}

extension TerminalView: ExpressibleByArgument {}
