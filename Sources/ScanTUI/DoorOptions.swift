import ArgumentParser
import Foundation
import InventoryClient
import Logging
import ScanModel

/// Where the server is and who this terminal is: its enrolled credential
/// (device.json), which names the server, the certificate to pin, the device and
/// (for a door) its hall. Every flag has an environment variable, so a door PC is
/// set up once.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "This terminal's credential from `scan-tui enroll` (env USHER_CREDENTIAL). Default: $XDG_CONFIG_HOME/usher/device.json.",
        valueName: "file"))
    var credential: String?

    @Option(help: ArgumentHelp("Reach the server at this host:port instead of the credential's, or any of several: a:50051,b:50051 (env USHER_SERVER).", valueName: "host:port[,host:port]"))
    var server: String?

    @Option(help: ArgumentHelp("Trust this CA certificate (PEM) instead of the credential's pinned certificate (env USHER_TLS_CA).", valueName: "file"))
    var tlsCA: String?

    @Option(help: ArgumentHelp("The hall to show; a door is enrolled for one hall and may only name it (env USHER_HALL).", valueName: "id"))
    var hall: String?

    @Option(help: ArgumentHelp("Who is scanning (env USHER_STAFF).", valueName: "id"))
    var staff: String = ProcessInfo.processInfo.environment["USHER_STAFF"] ?? ProcessInfo.processInfo.environment["USER"] ?? "staff"

    @Option(help: ArgumentHelp("Admit only this event of the hall; a ticket for another of its shows is WRONG_HALL (WRONG_EVENT) (env USHER_EVENT).", valueName: "id"))
    var event: String?

    var resolvedEvent: String? {
        let event = self.event ?? ProcessInfo.processInfo.environment["USHER_EVENT"]
        return event?.isEmpty == false ? event : nil
    }

    var credentialPath: String { credential ?? CredentialFile.defaultPath() }

    func deviceCredential() throws -> DeviceCredential {
        do {
            return try CredentialFile.load(credentialPath)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The server's address as this terminal reaches it (for the header).
    func serverAddress() throws -> String {
        try server ?? ProcessInfo.processInfo.environment["USHER_SERVER"] ?? deviceCredential().server
    }

    func clientConfiguration(logger: Logger) throws -> InventoryClientConfiguration {
        let credential = try deviceCredential()
        let ca = tlsCA ?? ProcessInfo.processInfo.environment["USHER_TLS_CA"]
        var configuration = try InventoryClientConfiguration(
            target: try serverAddress(), security: ca.map { .tls(caCertificate: $0) } ?? .pinned(credential.fingerprint))
        configuration.credential = credential.token
        configuration.logger = logger
        return configuration
    }

    /// The door as the credential says: its name is the terminal id, and a door's
    /// hall is the one it was enrolled for.
    func door() throws -> Door {
        let credential = try deviceCredential()
        let named = hall ?? ProcessInfo.processInfo.environment["USHER_HALL"]
        if let own = credential.hall, let named, !named.isEmpty, named != own {
            throw ValidationError("this terminal is enrolled as a door of hall \(own), not \(named)")
        }
        guard let hall = named.flatMap({ $0.isEmpty ? nil : $0 }) ?? credential.hall else {
            throw ValidationError("--hall (or USHER_HALL) is required: \(credential.name) is a \(credential.role.rawValue), not a door of one hall")
        }
        return Door(hallID: hall, eventID: resolvedEvent, staffID: staff, terminalID: credential.name)
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

extension DoorDirections: ExpressibleByArgument {}

extension TerminalView: ExpressibleByArgument {}
