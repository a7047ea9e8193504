import Foundation
import GRPCCore
import InventoryProto
import PostgresNIO
import Synchronization

/// Door terminals racing each other: every door scans every ticket, in the same
/// order, each scan with a scan id of its own (MarkCheckedIn), and records what
/// it was told. Doors are spread over the given server ports. A scan that gets no
/// verdict is retried with the same scan id for up to `retryFor`, as a door does
/// while its guest waits; then the door moves on to the next ticket.
struct RacingDoors: Sendable {
    enum Told: Hashable, Sendable, CustomStringConvertible {
        case verdict(Inventory_ScanResult)
        case failed(RPCError.Code)
        var description: String {
            switch self {
            case .verdict(let result): "\(result)"
            case .failed(let code): "error \(code)"
            }
        }
    }

    struct Scan: Sendable {
        var door: String
        var ticket: Int
        var scanID: String
        var told: Told
        var replayed: Bool
        var message: String
        /// Attempts that got no verdict before this answer (each retried with the same scan id).
        var failedAttempts: [Told] = []
        /// From the first attempt to this answer, when there were failed attempts.
        var waited: Duration = .zero
        /// When this answer came, and from which server port.
        var answeredAt = Date()
        var port = 0
    }

    var codes: [String]
    /// Where the doors enroll (as doors of hall main, named door-0, door-1, …).
    var devices: TestDevices
    var ports: [Int]
    var doors: Int
    /// A door's deadline per scan.
    var deadline: Duration = .seconds(5)
    /// Time between one door's scans, to spread a run over a fault.
    var pause: Duration = .zero
    /// How long a door keeps retrying a scan that got no verdict (zero: never).
    var retryFor: Duration = .zero
    /// A door knows every server: a retry goes to the next one (same scan id), as a
    /// door with several servers does. Otherwise each door keeps to its own.
    var failover = false

    /// Runs every door to the end of the tickets; returns every scan.
    func run() async throws -> [Scan] {
        try await withThrowingTaskGroup(of: [Scan].self) { group in
            for index in 0..<doors {
                let port = ports[index % ports.count]
                let door = "door-\(index)"
                group.addTask { try await self.door(door, port: port) }
            }
            var scans: [Scan] = []
            for try await doorScans in group { scans += doorScans }
            return scans
        }
    }

    private func door(_ door: String, port: Int) async throws -> [Scan] {
        let token = try await devices.token(door, role: .door, hall: "main")
        // Its own server first, then (failing over) the others in order.
        let order = failover ? Array(ports.drop { $0 != port } + ports.prefix { $0 != port }) : [port]
        return try await withRawInventoryClients(ports: order[...], token: token) { servers in
            var scans: [Scan] = []
            var options = CallOptions.defaults
            options.timeout = deadline
            var current = 0
            for (ticket, code) in codes.enumerated() {
                let scanID = UUID().uuidString
                let started = ContinuousClock.now
                let giveUp = started + retryFor
                var failed: [Told] = []
                var scan = try await Self.scan(code, ticket: ticket, scanID: scanID, door: door, via: servers[current], options: options)
                while case .failed = scan.told, ContinuousClock.now < giveUp {
                    failed.append(scan.told)
                    current = (current + 1) % servers.count
                    try await Task.sleep(for: .milliseconds(100))
                    scan = try await Self.scan(code, ticket: ticket, scanID: scanID, door: door, via: servers[current], options: options)
                }
                scan.failedAttempts = failed
                if !failed.isEmpty { scan.waited = ContinuousClock.now - started }
                scan.answeredAt = Date()
                scan.port = order[current]
                scans.append(scan)
                if pause > .zero { try await Task.sleep(for: pause) }
            }
            return scans
        }
    }

    /// One MarkCheckedIn, as the door with id `door` sends it.
    static func scan(
        _ code: String, ticket: Int, scanID: String, door: String,
        via inventory: Inventory_InventoryService.Client<some ClientTransport>, options: CallOptions
    ) async throws -> Scan {
        let request = Inventory_MarkCheckedInRequest.with {
            $0.ticketCode = code
            $0.hallID = "main"
            $0.staffID = "staff-\(door)"
            $0.terminalID = door
            $0.scanID = scanID
        }
        do {
            let response = try await inventory.markCheckedIn(request: .init(message: request), options: options) { try $0.message }
            return Scan(
                door: door, ticket: ticket, scanID: scanID, told: .verdict(response.result), replayed: response.replayed,
                message: response.message)
        } catch let error as RPCError {
            return Scan(door: door, ticket: ticket, scanID: scanID, told: .failed(error.code), replayed: false, message: error.message)
        }
    }
}

/// What the doors were told, checked against what the database holds.
struct Reconciliation: Sendable, CustomStringConvertible {
    var scans = 0
    /// Scans told SUCCESS (at once, or as the replay of their own earlier attempt).
    var acknowledged = 0
    /// Acknowledged scans whose admission is in the database: the seat CHECKED_IN
    /// and an original SUCCESS entry_logs row under that scan id.
    var present = 0
    var lost: [String] = []
    /// Tickets admitted more than once (two SUCCESS rows, or two scans told SUCCESS).
    var double: [String] = []
    /// Verdicts other than SUCCESS/DUPLICATE, and failures other than the allowed codes.
    var wrong: [String] = []
    /// Attempts that got no verdict and were retried with the same scan id.
    var retried = 0

    var description: String {
        "scans \(scans), acknowledged \(acknowledged), present \(present), lost \(lost.count), double \(double.count), wrong \(wrong.count), retried \(retried)"
    }

    static func check(
        _ scans: [RacingDoors.Scan], seats: [String], allowedFailures: Set<RPCError.Code>, database: PostgresClient.Configuration
    ) async throws -> Reconciliation {
        let (admissions, checkedIn) = try await withClient(database) { client in
            var admissions: [String: [String]] = [:]  // seat → scan ids of original SUCCESS rows
            for try await (scanID, seat) in try await client.query(
                """
                SELECT scan_id, seat_id FROM entry_logs
                WHERE action = 'ADMIT' AND result = 'SUCCESS' AND replay_of IS NULL AND seat_id = ANY(\(seats))
                """, logger: TestCluster.logger
            ).decode((String, String).self) {
                admissions[seat, default: []].append(scanID)
            }
            var checkedIn = Set<String>()
            for try await seat in try await client.query(
                "SELECT seat_id FROM seats WHERE status = 'CHECKED_IN' AND seat_id = ANY(\(seats))", logger: TestCluster.logger
            ).decode(String.self) {
                checkedIn.insert(seat)
            }
            return (admissions, checkedIn)
        }
        var result = Reconciliation(scans: scans.count)
        let admittedScanIDs = Set(admissions.values.joined())
        var toldSuccess: [Int: Set<String>] = [:]
        for scan in scans {
            let seat = seats[scan.ticket]
            for attempt in scan.failedAttempts {
                if case .failed(let code) = attempt, !allowedFailures.contains(code) {
                    result.wrong.append("\(seat): error \(code) at \(scan.door) (retried)")
                }
            }
            result.retried += scan.failedAttempts.count
            switch scan.told {
            case .verdict(.success):
                // A replay is the door's own admission coming back after a retry.
                result.acknowledged += 1
                toldSuccess[scan.ticket, default: []].insert(scan.scanID)
                if admittedScanIDs.contains(scan.scanID) && checkedIn.contains(seat) {
                    result.present += 1
                } else {
                    result.lost.append("\(seat) (\(scan.door), scan \(scan.scanID))")
                }
            case .verdict(.duplicate):
                break
            case .verdict(let other):
                result.wrong.append("\(seat): \(other) at \(scan.door): \(scan.message)")
            case .failed(let code) where allowedFailures.contains(code):
                break
            case .failed(let code):
                result.wrong.append("\(seat): error \(code) at \(scan.door): \(scan.message)")
            }
        }
        for (seat, scanIDs) in admissions where scanIDs.count > 1 { result.double.append("\(seat): \(scanIDs.count) admissions") }
        for (ticket, scanIDs) in toldSuccess where scanIDs.count > 1 {
            result.double.append("\(seats[ticket]): \(scanIDs.count) doors told SUCCESS")
        }
        return result
    }
}
