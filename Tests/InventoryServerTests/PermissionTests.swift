import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryProto
import PostgresNIO
import SwiftProtobuf
import Testing
import UsherCore

@testable import InventoryServer

/// Every RPC against the permission table, through the real server: no credential,
/// a revoked one, a role without a row, and a door of another hall are refused with
/// the right status, and nothing in the inventory changes (a checksum of its tables
/// before and after). The allowed role then makes the same call, so each refused
/// request was one that would have done something.
@Suite("Permissions for every RPC", .timeLimit(.minutes(5)))
struct PermissionTests {
    /// One call per operation; `metadata` carries the credential under test.
    typealias Call = @Sendable (Inventory_InventoryService.Client<HTTP2ClientTransport.Posix>, Metadata) async throws -> Void

    static func calls(code: String, otherHall: String) -> [InventoryOperation: Call] {
        [
            .reserveSeat: { _ = try await $0.reserveSeat(.with { $0.seatID = "gala.stalls.B.1"; $0.userID = "bob" }, metadata: $1) },
            .releaseSeat: { _ = try await $0.releaseSeat(.with { $0.seatID = "gala.stalls.B.3"; $0.userID = "held-by" }, metadata: $1) },
            .confirmSeat: {
                _ = try await $0.confirmSeat(.with { $0.seatID = "gala.stalls.B.2"; $0.userID = "held-by"; $0.orderID = "o-9" }, metadata: $1)
            },
            .updateOwner: {
                _ = try await $0.updateOwner(
                    .with { $0.seatID = "gala.stalls.A.1"; $0.fromUserID = "alice"; $0.toUserID = "mallory"; $0.transferID = "t-1" },
                    metadata: $1)
            },
            .getSeatOwner: { _ = try await $0.getSeatOwner(.with { $0.seatID = "gala.stalls.A.1" }, metadata: $1) },
            .verifyTicket: {
                _ = try await $0.verifyTicket(.with { $0.ticketCode = code; $0.hallID = "main"; $0.staffID = "s" }, metadata: $1)
            },
            .markCheckedIn: {
                _ = try await $0.markCheckedIn(
                    .with { $0.ticketCode = code; $0.hallID = "main"; $0.staffID = "s"; $0.scanID = UUID().uuidString }, metadata: $1)
            },
            .getVerificationKeys: { _ = try await $0.getVerificationKeys(.init(), metadata: $1) },
            .listHallSeats: { _ = try await $0.listHallSeats(.with { $0.hallID = "main" }, metadata: $1) },
            .getHallOccupancy: { _ = try await $0.getHallOccupancy(.init(), metadata: $1) },
            .listHallEvents: { _ = try await $0.listHallEvents(.with { $0.hallID = "main" }, metadata: $1) },
            // With a report: the call's one write, which a refused caller must not make.
            .syncDoor: {
                _ = try await $0.syncDoor(.with { $0.hallID = "main"; $0.report = .with { $0.pendingUploads = 2 } }, metadata: $1)
            },
            .listDoors: { _ = try await $0.listDoors(.init(), metadata: $1) },
            .listConflicts: { _ = try await $0.listConflicts(.init(), metadata: $1) },
            // The conflict the test makes first (an offline upload of an admitted ticket).
            .acknowledgeConflict: { _ = try await $0.acknowledgeConflict(.with { $0.conflictID = 1 }, metadata: $1) },
            .searchSeats: { _ = try await $0.searchSeats(.with { $0.hallID = "main"; $0.query = "alice" }, metadata: $1) },
            // The admission p-door makes first (a door may annul its own).
            .annulCheckIn: {
                _ = try await $0.annulCheckIn(
                    .with { $0.scanID = "p-annul"; $0.annulID = UUID().uuidString; $0.reason = "wrong ticket"; $0.staffID = "s" },
                    metadata: $1)
            },
            .unlockKiosk: {
                _ = try await $0.unlockKiosk(.with { $0.supervisor = "p-supervisor"; $0.pin = "2468"; $0.action = "quit" }, metadata: $1)
            },
            // A ticket of another hall, let in on p-supervisor's PIN.
            .overrideCheckIn: {
                _ = try await $0.overrideCheckIn(
                    .with {
                        $0.ticketCode = otherHall; $0.hallID = "main"; $0.staffID = "s"; $0.scanID = UUID().uuidString
                        $0.reason = "guest list"; $0.supervisor = "p-supervisor"; $0.pin = "2468"
                    },
                    metadata: $1)
            },
        ]
    }

    /// Roles the table gives no row for `operation` (nil: every role has one).
    static func refusedRole(_ operation: InventoryOperation) -> DeviceRole? {
        guard case .roles(let roles) = AccessPolicy.table[operation] else { return nil }
        return DeviceRole.allCases.first { roles[$0] == nil }
    }

    static func allowedRole(_ operation: InventoryOperation) -> DeviceRole {
        guard case .roles(let roles) = AccessPolicy.table[operation] else { return .admin }
        // A door of hall main where doors may: the narrowest caller that is let in.
        return roles[.door] != nil ? .door : roles[.boxOffice] != nil ? .boxOffice : .admin
    }

    @Test func everyRPCRefusesWhoTheTableRefusesAndChangesNothing() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.A.1", to: "alice")
            _ = try await server.reserve("gala.stalls.B.2", by: "held-by")
            _ = try await server.reserve("gala.stalls.B.3", by: "held-by")
            // Conflict 1, for AcknowledgeConflict: admitted online, then uploaded as
            // admitted offline at another terminal.
            let twice = try await server.sell("gala.stalls.A.9", to: "zoe")
            _ = try await server.admit(twice, terminal: "door-5")
            let upload = try await server.uploadOfflineAdmission(twice, terminal: "door-2", scanID: "offline-1")
            #expect(upload.conflictID == 1)
            // For AnnulCheckIn: an admission by the door that will annul it.
            _ = try await server.devices.token("p-door", role: .door, hall: "main")
            _ = try await server.admit(try await server.sell("gala.stalls.A.5", to: "ann"), terminal: "p-door", scanID: "p-annul")
            let calls = Self.calls(code: code, otherHall: try await server.sell("jazz.floor.A.2", to: "jo"))
            #expect(Set(calls.keys) == Set(InventoryOperation.allCases).subtracting([.enrollDevice]), "a call for every RPC")

            // Credentials: one device per role (doors of main and of studio), and a revoked one.
            var tokens: [String: String] = [:]
            for (name, role, hall) in [
                ("p-door", DeviceRole.door, "main"), ("p-door-studio", .door, "studio"), ("p-supervisor", .supervisor, nil),
                ("p-box", .boxOffice, nil), ("p-admin", .admin, nil), ("p-revoked", .admin, nil),
            ] as [(String, DeviceRole, String?)] {
                tokens[name] = try await server.devices.token(name, role: role, hall: hall)
            }
            _ = try await server.withStore { try await $0.revokeDevice(named: "p-revoked") }
            try await server.withStore { try await $0.setSupervisorPIN(named: "p-supervisor", pin: "2468") }
            let enrolled = tokens
            let nameFor: [DeviceRole: String] = [.door: "p-door", .supervisor: "p-supervisor", .boxOffice: "p-box", .admin: "p-admin"]

            try await withRawInventoryClient(port: server.endpoints.grpcPort, token: nil) { inventory in
                let tokens = enrolled
                for operation in InventoryOperation.allCases where operation != .enrollDevice {
                    let call = calls[operation]!
                    var cases: [(String, Metadata, RPCError.Code)] = [
                        ("no credential", [:], .unauthenticated),
                        ("a malformed header", ["authorization": "Basic xyz"], .unauthenticated),
                        ("an unknown token", TestDevices.bearer(DeviceSecret.random()), .unauthenticated),
                        ("a revoked token", TestDevices.bearer(tokens["p-revoked"]!), .unauthenticated),
                    ]
                    if let role = Self.refusedRole(operation) {
                        cases.append(("role \(role.rawValue)", TestDevices.bearer(tokens[nameFor[role]!]!), .permissionDenied))
                    }
                    if case .roles(let roles) = AccessPolicy.table[operation], roles[.door] == .ownHall,
                        // Name no hall: answered for the door's own hall (its kiosk) instead.
                        operation != .getHallOccupancy, operation != .unlockKiosk
                    {
                        cases.append(("a door of another hall", TestDevices.bearer(tokens["p-door-studio"]!), .permissionDenied))
                    }
                    for (label, metadata, expected) in cases {
                        let before = try await server.inventoryChecksum()
                        let code = await rpcCode { try await call(inventory, metadata) }
                        #expect(code == expected, "\(operation.rawValue) with \(label): \(String(describing: code))")
                        #expect(try await server.inventoryChecksum() == before, "\(operation.rawValue) with \(label) changed the inventory")
                    }
                    // The table's own caller gets through with the very same request.
                    let allowed = Self.allowedRole(operation)
                    let code = await rpcCode { try await call(inventory, TestDevices.bearer(tokens[nameFor[allowed]!]!)) }
                    #expect(code == nil, "\(operation.rawValue) by \(allowed.rawValue): \(String(describing: code))")
                }
            }
        }
    }

    /// The credential is the identity: a door cannot write another terminal's name
    /// into entry_logs, and a door's occupancy is its own hall's.
    @Test func identityComesFromTheCredential() async throws {
        try await withTestServer { server in
            let code = try await server.sell("gala.stalls.A.3", to: "alice")
            let door = try await server.devices.metadata("door-north", role: .door, hall: "main")
            let impersonating = await rpcCode {
                _ = try await server.inventory.markCheckedIn(
                    .with { $0.ticketCode = code; $0.hallID = "main"; $0.staffID = "s"; $0.terminalID = "door-south"; $0.scanID = "x-1" },
                    metadata: door)
            }
            #expect(impersonating == .permissionDenied)
            #expect(try await server.count("SELECT count(*) FROM entry_logs") == 0)

            let admitted = try await server.inventory.markCheckedIn(
                .with { $0.ticketCode = code; $0.staffID = "s"; $0.scanID = "x-2" }, metadata: door)
            #expect(admitted.result == .success && admitted.firstCheckedInTerminalID == "door-north", "no hall: the door's own")
            #expect(try await server.count("SELECT count(*) FROM entry_logs WHERE terminal_id = 'door-north'") == 1)

            // Owner ids: the guest in front of the door, never another hall's seat.
            #expect(admitted.seat.ownerUserID == "alice")
            let elsewhere = try await server.sell("jazz.floor.A.1", to: "carol")
            let wrongHall = try await server.inventory.verifyTicket(
                .with { $0.ticketCode = elsewhere; $0.staffID = "s" }, metadata: door)
            #expect(wrongHall.result == .wrongHall && wrongHall.seat.ownerUserID.isEmpty && wrongHall.seat.heldByUserID.isEmpty)
            #expect(try await server.verify(elsewhere, hall: "main").seat.ownerUserID == "carol", "an admin sees it")

            let occupancy = try await server.inventory.getHallOccupancy(.init(), metadata: door)
            #expect(Set(occupancy.halls.map(\.hallID)) == ["main"])
            let everyHall = try await server.inventory.getHallOccupancy(.init())
            #expect(Set(everyHall.halls.map(\.hallID)).isSuperset(of: ["main", "studio"]))
        }
    }
}

extension TestServer {
    /// A digest of every inventory table (halls, events, seats, entry_logs, seat_history).
    func inventoryChecksum() async throws -> String {
        try await withClient(database) { client in
            let rows = try await client.query(
                """
                SELECT md5(coalesce(string_agg(t, '|' ORDER BY t), '')) FROM (
                    SELECT h::text AS t FROM halls h UNION ALL SELECT e::text FROM events e
                    UNION ALL SELECT s::text FROM seats s UNION ALL SELECT l::text FROM entry_logs l
                    UNION ALL SELECT x::text FROM seat_history x UNION ALL SELECT c::text FROM scan_conflicts c
                    UNION ALL SELECT d::text FROM door_status d UNION ALL SELECT a::text FROM annulments a
                    UNION ALL SELECT o::text FROM overrides o UNION ALL SELECT k::text FROM override_locks k
                    UNION ALL SELECT u::text FROM kiosk_unlocks u) rows
                """, logger: TestCluster.logger
            ).collect()
            return try rows.first?.decode(String.self) ?? ""
        }
    }
}
