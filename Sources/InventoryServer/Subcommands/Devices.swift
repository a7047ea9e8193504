import ArgumentParser
import Foundation
import InventoryStore
import Logging
import TicketExport
import UsherCore

/// `inventory-server devices …`: the back office for terminals. Each subcommand
/// works on the database directly, like `venue import`, so it needs no credential of
/// its own: whoever can reach the database is already the operator.
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list, revoke and roll the devices (door terminals, supervisors, box office) that may call the server.",
        subcommands: [Add.self, List.self, Revoke.self, Roll.self, SetPIN.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a device and print its one-time enrollment code (valid 15 minutes), also as a QR.")

        @Argument(help: "The device's name; written as the terminal id of every scan it makes.")
        var name: String

        @Option(help: "door, supervisor, box-office or admin.")
        var role: String

        @Option(help: ArgumentHelp("The hall a door admits to (doors only).", valueName: "id"))
        var hall: String?

        @OptionGroup var enrollment: EnrollmentOptions

        func validate() throws { _ = try identity() }

        func identity() throws -> DeviceIdentity {
            guard let role = DeviceRole(rawValue: role) else {
                throw ValidationError("--role must be one of \(DeviceRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            do {
                return try DeviceIdentity(name: name, role: role, hallID: hall)
            } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() async throws {
            let device = try identity()
            try await enrollment.issue { store in try await store.addDevice(device) }
        }
    }

    struct Roll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new enrollment code for a device; its current credential stops working at once.")

        @Argument(help: "The device's name.")
        var name: String

        @OptionGroup var enrollment: EnrollmentOptions

        func run() async throws {
            let name = name
            try await enrollment.issue { store in try await store.rollDevice(named: name) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a device: its credential is refused from the next call on. `roll` reinstates it.")

        @Argument(help: "The device's name.")
        var name: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let name = name
            let record = try await database.withStore(logger: logging.makeLogger()) { store in
                try await store.revokeDevice(named: name)
            }
            print("revoked \(record.identity.name) at \(Timestamps.utc(record.revokedAt ?? Date()))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices: role, hall, standing and when each was last seen.")

        @Flag(help: "JSON lines instead of a table.")
        var json = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let records = try await database.withStore(logger: logging.makeLogger()) { store in try await store.devices() }
            if json {
                for record in records { print(try DeviceListing(record).jsonLine()) }
                return
            }
            let header = ["NAME", "ROLE", "HALL", "STANDING", "LAST SEEN"]
            let rows = records.map { record in
                [
                    record.identity.name, record.identity.role.rawValue, record.identity.hallID ?? "-",
                    record.standing.rawValue, record.lastSeenAt.map(Timestamps.utc) ?? "never",
                ]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
    }
}

/// What `devices add` and `devices roll` need to print a code that works: where
/// terminals reach the server, and its certificate (to pin).
struct EnrollmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The address terminals use to reach this server, written into the code, or the addresses of every server of the venue separated by commas (env USHER_PUBLIC_ADDRESS). Default: 127.0.0.1 and the gRPC port.",
        valueName: "host:port"))
    var address: String?

    @Flag(help: "Print the code as one JSON object (name, role, hall, code, expires_at) instead of text and a QR.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var logging: LoggingOptions

    func issue(_ grant: @escaping @Sendable (InventoryStore) async throws -> EnrollmentGrant) async throws {
        let logger = logging.makeLogger()
        let server = address ?? Environment.string("USHER_PUBLIC_ADDRESS")
            ?? "127.0.0.1:\(Environment.int("USHER_GRPC_PORT") ?? 50051)"
        // Everything that can fail is checked before the store writes: a device added
        // (or rolled, its old token gone) without a code printed would be locked out.
        guard EnrollmentCode.isServerAddress(Substring(server)) else {
            throw ValidationError("--address \(server) is not host:port (or several, separated by commas)")
        }
        let fingerprint = try tls.certificateFingerprint(dataDir: database.dataDir, logger: logger)
        let issued = try await database.withStore(logger: logger, grant)
        let code = EnrollmentCode(server: server, secret: issued.secret, fingerprint: fingerprint)
        if json {
            print(try DeviceListing.enrollmentJSON(issued, code: code))
            return
        }
        print(try QRImage(text: code.text, moduleSize: 1, quietZone: 2).terminalText)
        print("""

            Enrollment code for \(issued.device.name) (\(issued.device.role.rawValue)\(issued.device.hallID.map { ", hall \($0)" } ?? "")), \
            valid until \(Timestamps.utc(issued.expiresAt)), one use:

              \(code.text)

            On the terminal: scan-tui enroll '\(code.text)'
            (or scan the QR at a door that has no credential yet).
            """)
    }
}

/// The JSON `devices list --json` and `devices add --json` print. Names are
/// snake_case, times RFC 3339.
struct DeviceListing: Encodable {
    var name: String
    var role: String
    var hall: String?
    var standing: String
    var created_at: Date
    var enrolled_at: Date?
    var last_seen_at: Date?
    var revoked_at: Date?

    init(_ record: DeviceRecord) {
        name = record.identity.name
        role = record.identity.role.rawValue
        hall = record.identity.hallID
        standing = record.standing.rawValue
        created_at = record.createdAt
        enrolled_at = record.enrolledAt
        last_seen_at = record.lastSeenAt
        revoked_at = record.revokedAt
    }

    func jsonLine() throws -> String { try Self.encode(self) }

    static func enrollmentJSON(_ grant: EnrollmentGrant, code: EnrollmentCode) throws -> String {
        struct Issued: Encodable {
            var name: String
            var role: String
            var hall: String?
            var code: String
            var expires_at: Date
        }
        return try encode(
            Issued(
                name: grant.device.name, role: grant.device.role.rawValue, hall: grant.device.hallID, code: code.text,
                expires_at: grant.expiresAt))
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
