import Foundation
import GRPCCore
import InventoryProto
import InventoryStore
import Logging
import Metrics
import SwiftProtobuf
import UsherCore

/// The `inventory.InventoryService` handlers: validate input with UsherCore's
/// rules, call one store use case, map the result. Verdicts are responses; only
/// broken requests and broken infrastructure become errors.
struct InventoryRPCService {
    let store: InventoryStore
    let holdExpiry: any HoldExpiryScheduling
    let servingState: ServingState
    let logger: Logger

    /// Runs a store call and turns its error into the right status. Failures the
    /// operator should see (database trouble, broken invariants) are logged with the
    /// request's method and peer.
    ///
    /// While the health probe finds the database failing, the call fails at once
    /// with UNAVAILABLE instead of waiting out its bound for a connection that will
    /// not come: a door learns "not checked" inside its own deadline and can retry,
    /// and the server does not pile up waiting calls. (The monitor's log says why.)
    private func call<T>(
        _ context: ServerContext, _ body: () async throws(StoreError) -> T
    ) async throws(RPCError) -> T {
        try servingState.shedWhileDatabaseFails()
        do {
            return try await body()
        } catch {
            switch error {
            case .unavailable, .internalError:
                requestLogger(context).error("call failed", metadata: ["error": "\(error)"])
            default:
                break
            }
            throw RPCError(error)
        }
    }

    /// The service logger with this request's method and peer attached.
    private func requestLogger(_ context: ServerContext) -> Logger {
        var logger = self.logger
        logger[metadataKey: "rpc"] = "\(context.descriptor.method)"
        logger[metadataKey: "peer"] = "\(context.remotePeer)"
        return logger
    }

    private func validate<T>(_ body: () throws(InputError) -> T) throws(RPCError) -> T {
        do {
            return try body()
        } catch {
            throw RPCError(error)
        }
    }

    /// The calling device, if the permission table lets it make `operation` about
    /// `hallID` (the hall the request names, if any), and the hall a door's answer
    /// is limited to. The role was checked before the handler ran
    /// (``DeviceAuthInterceptor``); the hall needs the request, so it is checked here,
    /// before anything is read or written. No device at all means the interceptor
    /// did not run: refused, never served.
    private func authorize(
        _ operation: InventoryOperation, hall hallID: String?, _ context: ServerContext
    ) throws(RPCError) -> (device: DeviceIdentity, onlyHall: String?) {
        guard let device = CallingDevice.current else {
            throw RPCError(code: .unauthenticated, message: "no device credential")
        }
        switch AccessPolicy.decide(operation, caller: device, hallID: hallID) {
        case .allowed(let onlyHall):
            return (device, onlyHall)
        case .denied(let why):
            throw DeviceAuthInterceptor.refusal(
                .permissionDenied, why, method: operation.rawValue, peer: context.remotePeer, device: device, logger: logger)
        }
    }

    /// A scan's door: the hall it names (a door may leave it empty: its own), and the
    /// terminal, which is the device itself. A request naming another terminal is
    /// refused: entry_logs must say which device admitted, not what it claimed.
    private func scanDoor(
        _ operation: InventoryOperation, hallID: String, terminalID: String, _ context: ServerContext
    ) throws(RPCError) -> (hallID: String, terminalID: String) {
        let hall = hallID.isEmpty ? CallingDevice.current?.hallID : hallID
        let (device, _) = try authorize(operation, hall: hall, context)
        guard terminalID.isEmpty || terminalID == device.name else {
            throw DeviceAuthInterceptor.refusal(
                .permissionDenied, "this device is \(device.name); a request may not name terminal \(terminalID)",
                method: operation.rawValue, peer: context.remotePeer, device: device, logger: logger)
        }
        guard let hall else { throw RPCError(code: .invalidArgument, message: "hall_id is required") }
        return (hall, device.name)
    }

    /// A door sees the owner of the ticket in front of it (SUCCESS, DUPLICATE: a current
    /// code for its own hall), never anyone else's: a WRONG_HALL code names a seat in
    /// another hall, a code revoked by a transfer names the seat's new owner, a held
    /// seat its holder. Owner ids are not a door's to read (``AccessPolicy``).
    static func withholdOwners(_ seat: inout Inventory_Seat, result: ScanResult) {
        guard CallingDevice.current?.role == .door, result != .success, result != .duplicate else { return }
        seat.ownerUserID = ""
        seat.heldByUserID = ""
    }

    private func countScan(_ outcome: ScanReport, action: ScanAction) {
        Counter(
            label: "usher_scans_total",
            dimensions: [("action", action.rawValue), ("result", outcome.verdict.result.rawValue)]
        ).increment()
    }
}

extension InventoryRPCService: Inventory_InventoryService.SimpleServiceProtocol {
    func reserveSeat(
        request: Inventory_ReserveSeatRequest, context: ServerContext
    ) async throws -> Inventory_ReserveSeatResponse {
        _ = try authorize(.reserveSeat, hall: nil, context)
        let (seatID, userID, holdSeconds) = try validate { () throws(InputError) in
            (
                try InputRules.identifier(request.seatID, field: "seat_id"),
                try InputRules.identifier(request.userID, field: "user_id"),
                try InputRules.holdSeconds(Int(request.holdSeconds))
            )
        }
        let change = try await call(context) { () throws(StoreError) in
            try await store.reserveSeat(seatID, by: userID, holdSeconds: holdSeconds)
        }
        guard case .held(_, let until) = change.seat.state else {
            throw RPCError(code: .internalError, message: "reserved seat is not held")
        }
        await holdExpiry.holdPlaced(seatID: seatID, until: until, revision: change.seat.revision)
        return .with {
            $0.seat = Inventory_Seat(change.seat)
            $0.heldUntil = Google_Protobuf_Timestamp(date: until)
        }
    }

    func releaseSeat(
        request: Inventory_ReleaseSeatRequest, context: ServerContext
    ) async throws -> Inventory_ReleaseSeatResponse {
        _ = try authorize(.releaseSeat, hall: nil, context)
        let (seatID, userID, reason) = try validate { () throws(InputError) in
            (
                try InputRules.identifier(request.seatID, field: "seat_id"),
                try InputRules.identifier(request.userID, field: "user_id"),
                try InputRules.freeText(request.reason, field: "reason")
            )
        }
        let change = try await call(context) { () throws(StoreError) in
            try await store.releaseSeat(seatID, by: userID, reason: reason)
        }
        return .with { $0.seat = Inventory_Seat(change.seat) }
    }

    func confirmSeat(
        request: Inventory_ConfirmSeatRequest, context: ServerContext
    ) async throws -> Inventory_ConfirmSeatResponse {
        _ = try authorize(.confirmSeat, hall: nil, context)
        let (seatID, userID, orderID) = try validate { () throws(InputError) in
            (
                try InputRules.identifier(request.seatID, field: "seat_id"),
                try InputRules.identifier(request.userID, field: "user_id"),
                try InputRules.identifier(request.orderID, field: "order_id")
            )
        }
        let change = try await call(context) { () throws(StoreError) in
            try await store.confirmSeat(seatID, by: userID, orderID: orderID)
        }
        return .with {
            $0.seat = Inventory_Seat(change.seat)
            $0.ticketCode = change.ticketCode ?? ""
        }
    }

    func updateOwner(
        request: Inventory_UpdateOwnerRequest, context: ServerContext
    ) async throws -> Inventory_UpdateOwnerResponse {
        _ = try authorize(.updateOwner, hall: nil, context)
        let (seatID, from, to, transferID) = try validate { () throws(InputError) in
            (
                try InputRules.identifier(request.seatID, field: "seat_id"),
                try InputRules.identifier(request.fromUserID, field: "from_user_id"),
                try InputRules.identifier(request.toUserID, field: "to_user_id"),
                request.transferID.isEmpty ? nil : try InputRules.identifier(request.transferID, field: "transfer_id")
            )
        }
        guard from != to else {
            throw RPCError(code: .invalidArgument, message: "from_user_id and to_user_id must differ")
        }
        let change = try await call(context) { () throws(StoreError) in
            try await store.transferSeat(seatID, from: from, to: to, transferID: transferID)
        }
        return .with {
            $0.seat = Inventory_Seat(change.seat)
            $0.ticketCode = change.ticketCode ?? ""
        }
    }

    func getVerificationKeys(
        request: Inventory_GetVerificationKeysRequest, context: ServerContext
    ) async throws -> Inventory_GetVerificationKeysResponse {
        _ = try authorize(.getVerificationKeys, hall: nil, context)
        let signing = store.keyring.signer?.keyID
        return .with {
            $0.keys = store.keyring.verificationKeys.map { Inventory_VerificationKey($0, signing: $0.keyID == signing) }
        }
    }

    func getSeatOwner(
        request: Inventory_GetSeatOwnerRequest, context: ServerContext
    ) async throws -> Inventory_GetSeatOwnerResponse {
        _ = try authorize(.getSeatOwner, hall: nil, context)
        let seatID = try validate { () throws(InputError) in try InputRules.identifier(request.seatID, field: "seat_id") }
        let seat = try await call(context) { () throws(StoreError) in try await store.seat(seatID) }
        return .with { $0.seat = Inventory_Seat(seat) }
    }

    func verifyTicket(
        request: Inventory_VerifyTicketRequest, context: ServerContext
    ) async throws -> Inventory_VerifyTicketResponse {
        let door = try scanDoor(.verifyTicket, hallID: request.hallID, terminalID: request.terminalID, context)
        let scan = try validate { () throws(InputError) in
            ScanRequest(
                ticketCode: try InputRules.ticketCode(request.ticketCode),
                doorHallID: try InputRules.identifier(door.hallID, field: "hall_id"),
                doorEventID: request.eventID.isEmpty ? nil : try InputRules.identifier(request.eventID, field: "event_id"),
                staffID: try InputRules.identifier(request.staffID, field: "staff_id"),
                terminalID: door.terminalID)
        }
        let outcome = try await call(context) { () throws(StoreError) in try await store.verifyTicket(scan) }
        countScan(outcome, action: .verify)
        var response = Inventory_VerifyTicketResponse(outcome)
        // (Only a seat that is there: writing through `seat` would add an empty one.)
        if response.hasSeat { Self.withholdOwners(&response.seat, result: outcome.verdict.result) }
        return response
    }

    func markCheckedIn(
        request: Inventory_MarkCheckedInRequest, context: ServerContext
    ) async throws -> Inventory_MarkCheckedInResponse {
        let door = try scanDoor(.markCheckedIn, hallID: request.hallID, terminalID: request.terminalID, context)
        var scan = try validate { () throws(InputError) in
            // A code, or a seat found by search: exactly one.
            var searched: String?
            if !request.seatID.isEmpty {
                guard request.ticketCode.isEmpty else {
                    throw InputError(field: "seat_id", problem: "is for a guest without a code: send ticket_code or seat_id, not both")
                }
                searched = try InputRules.identifier(request.seatID, field: "seat_id")
            }
            var scan = ScanRequest(
                ticketCode: searched == nil ? try InputRules.ticketCode(request.ticketCode) : "",
                doorHallID: try InputRules.identifier(door.hallID, field: "hall_id"),
                doorEventID: request.eventID.isEmpty ? nil : try InputRules.identifier(request.eventID, field: "event_id"),
                staffID: try InputRules.identifier(request.staffID, field: "staff_id"),
                terminalID: door.terminalID,
                scanID: try InputRules.identifier(request.scanID, field: "scan_id"))
            scan.seatID = searched
            return scan
        }
        switch request.direction {
        case .entry: scan.direction = .entry
        case .exit: scan.direction = .exit
        case .UNRECOGNIZED(let value):
            throw RPCError(code: .invalidArgument, message: "direction \(value) is not ENTRY or EXIT")
        }
        let offline = try validate { () throws(InputError) in try Self.offlineScan(request, now: Date()) }
        if offline != nil, scan.direction == .exit || scan.seatID != nil {
            throw RPCError(
                code: .invalidArgument,
                message: "an exit or a searched seat is not uploaded from offline (offline_scanned_at with EXIT or seat_id)")
        }
        let outcome = try await call(context) { () throws(StoreError) in
            if let offline { return try await store.uploadOfflineScan(scan, offline: offline) }
            return try await store.markCheckedIn(scan)
        }
        countScan(outcome, action: .admit)
        var log = requestLogger(context)
        log[metadataKey: "scan_id"] = "\(scan.scanID ?? "")"
        log.info(
            "admission",
            metadata: [
                "result": "\(outcome.verdict.result.rawValue)", "terminal": "\(scan.terminalID)",
                "replayed": "\(outcome.replayed)", "offline": "\(offline != nil)", "direction": "\(scan.direction.rawValue)",
                "conflict": "\(outcome.conflictID.map(String.init) ?? "")",
            ])
        var response = Inventory_MarkCheckedInResponse(outcome)
        // A searched seat's guest showed no code: the door is not told whose seat it is
        // (search gives doors no owner ids either).
        if response.hasSeat { Self.withholdOwners(&response.seat, result: scan.seatID == nil ? outcome.verdict.result : .unpaid) }
        return response
    }

    func overrideCheckIn(
        request: Inventory_OverrideCheckInRequest, context: ServerContext
    ) async throws -> Inventory_MarkCheckedInResponse {
        let door = try scanDoor(.overrideCheckIn, hallID: request.hallID, terminalID: request.terminalID, context)
        let override = try validate { () throws(InputError) in
            guard !request.reason.isEmpty else { throw InputError(field: "reason", problem: "is required") }
            guard request.reason.count <= OverridePolicy.reasonMaxLength else {
                throw InputError(field: "reason", problem: "must be at most \(OverridePolicy.reasonMaxLength) characters")
            }
            return OverrideRequest(
                scan: ScanRequest(
                    ticketCode: try InputRules.ticketCode(request.ticketCode),
                    doorHallID: try InputRules.identifier(door.hallID, field: "hall_id"),
                    doorEventID: request.eventID.isEmpty ? nil : try InputRules.identifier(request.eventID, field: "event_id"),
                    staffID: try InputRules.identifier(request.staffID, field: "staff_id"),
                    terminalID: door.terminalID,
                    scanID: try InputRules.identifier(request.scanID, field: "scan_id")),
                reason: try InputRules.freeText(request.reason, field: "reason"),
                supervisor: try InputRules.identifier(request.supervisor, field: "supervisor"),
                pin: try OverridePolicy.pin(request.pin))
        }
        var log = requestLogger(context)
        log[metadataKey: "scan_id"] = "\(override.scan.scanID ?? "")"
        let outcome: ScanReport
        do {
            outcome = try await call(context) { () throws(StoreError) in try await store.overrideCheckIn(override) }
        } catch {
            // A wrong PIN is a security event: the operator's log names the door and supervisor.
            log.warning(
                "override refused",
                metadata: ["terminal": "\(override.scan.terminalID)", "supervisor": "\(override.supervisor)", "error": "\(error)"])
            throw error
        }
        countScan(outcome, action: .admit)
        log.notice(
            "override admission",
            metadata: [
                "terminal": "\(override.scan.terminalID)", "supervisor": "\(override.supervisor)",
                "reason": "\(override.reason)", "replayed": "\(outcome.replayed)",
            ])
        var response = Inventory_MarkCheckedInResponse(outcome)
        // The seat may be another hall's, or a hold's: a door is told no owner ids here.
        if response.hasSeat { Self.withholdOwners(&response.seat, result: .unpaid) }
        return response
    }

    func unlockKiosk(
        request: Inventory_UnlockKioskRequest, context: ServerContext
    ) async throws -> Inventory_UnlockKioskResponse {
        let door = try scanDoor(.unlockKiosk, hallID: "", terminalID: request.terminalID, context)
        let (supervisor, pin, action) = try validate { () throws(InputError) in
            guard request.action.count <= OverridePolicy.reasonMaxLength else {
                throw InputError(field: "action", problem: "must be at most \(OverridePolicy.reasonMaxLength) characters")
            }
            return (
                try InputRules.identifier(request.supervisor, field: "supervisor"), try OverridePolicy.pin(request.pin),
                try InputRules.freeText(request.action, field: "action")
            )
        }
        var log = requestLogger(context)
        log[metadataKey: "terminal"] = "\(door.terminalID)"
        let at: Date
        do {
            at = try await call(context) { () throws(StoreError) in
                try await store.unlockKiosk(terminalID: door.terminalID, supervisor: supervisor, pin: pin, action: action)
            }
        } catch {
            log.warning("kiosk unlock refused", metadata: ["supervisor": "\(supervisor)", "error": "\(error)"])
            throw error
        }
        log.notice("kiosk unlocked", metadata: ["supervisor": "\(supervisor)", "action": "\(action)"])
        return .with { $0.unlockedAt = Google_Protobuf_Timestamp(date: at) }
    }

    /// The offline part of an upload, checked. What must be believable is the scan's
    /// time by the server's clock (the door's time less its skew): from the last
    /// ``offlineUploadAge`` up to now (a few minutes of slack). The skew itself may be
    /// large — a door that booted with its clock at 1970 still measured it right, and
    /// its guests must still reach the server — up to ``DoorReport/maxClockSkew``. The
    /// verdict shown must be one of the six. Nothing out of range reaches a Date
    /// encoder (PostgresNIO traps on one past Int64 microseconds).
    static func offlineScan(_ request: Inventory_MarkCheckedInRequest, now: Date) throws(InputError) -> OfflineScan? {
        guard request.hasOfflineScannedAt else {
            guard request.clockSkewMs == 0, request.offlineResult == .unspecified else {
                throw InputError(field: "offline_scanned_at", problem: "is required with clock_skew_ms or offline_result")
            }
            return nil
        }
        let maxSkewMs = Int64(DoorReport.maxClockSkew * 1000)
        guard request.clockSkewMs.magnitude <= maxSkewMs.magnitude else {
            throw InputError(field: "clock_skew_ms", problem: "must be within ±\(maxSkewMs)")
        }
        let stamp = request.offlineScannedAt
        // Proto's own range for a Timestamp: years 1 to 9999.
        guard (-62_135_596_800...253_402_300_799).contains(stamp.seconds), (0..<1_000_000_000).contains(stamp.nanos) else {
            throw InputError(field: "offline_scanned_at", problem: "is not a valid timestamp")
        }
        let corrected = stamp.date.addingTimeInterval(-Double(request.clockSkewMs) / 1000)
        guard corrected >= now.addingTimeInterval(-Self.offlineUploadAge), corrected <= now.addingTimeInterval(300) else {
            throw InputError(
                field: "offline_scanned_at",
                problem: "less clock_skew_ms must fall within the last \(Int(Self.offlineUploadAge / 86_400)) days, not later than now")
        }
        guard let shown = ScanResult(shownAtDoor: request.offlineResult) else {
            throw InputError(field: "offline_result", problem: "must be the verdict the door showed (SUCCESS…EXPIRED)")
        }
        return OfflineScan(
            scannedAt: request.offlineScannedAt.date, clockSkew: Double(request.clockSkewMs) / 1000, shownResult: shown)
    }

    /// How old an offline scan may be when it is uploaded: a door that was off for a
    /// month still delivers what it journaled.
    static let offlineUploadAge: TimeInterval = 30 * 86_400

    func syncDoor(
        request: Inventory_SyncDoorRequest, context: ServerContext
    ) async throws -> Inventory_SyncDoorResponse {
        let hall = request.hallID.isEmpty ? CallingDevice.current?.hallID ?? "" : request.hallID
        let hallID = try validate { () throws(InputError) in try InputRules.identifier(hall, field: "hall_id") }
        let (device, _) = try authorize(.syncDoor, hall: hallID, context)
        let since = request.since
        // A door's own word on how it stands, for ListDoors; a supervisor inspecting
        // a hall's copy is no door and reports nothing.
        var report: DoorReport?
        if device.role == .door && request.hasReport {
            report = try validate { () throws(InputError) in try DoorReport(request.report) }
        }
        let sync = try await call(context) { () throws(StoreError) in
            if let report { try await store.recordDoorReport(terminalID: device.name, hallID: hallID, report) }
            return try await store.doorSync(hallID: hallID, since: since)
        }
        return Inventory_SyncDoorResponse(sync, signing: store.keyring.signer?.keyID)
    }

    func listDoors(
        request: Inventory_ListDoorsRequest, context: ServerContext
    ) async throws -> Inventory_ListDoorsResponse {
        let hallID = try request.hallID.isEmpty
            ? nil : validate { () throws(InputError) in try InputRules.identifier(request.hallID, field: "hall_id") }
        _ = try authorize(.listDoors, hall: hallID, context)
        let board = try await call(context) { () throws(StoreError) in try await store.doorBoard(hallID: hallID) }
        return Inventory_ListDoorsResponse(board)
    }

    func listConflicts(
        request: Inventory_ListConflictsRequest, context: ServerContext
    ) async throws -> Inventory_ListConflictsResponse {
        _ = try authorize(.listConflicts, hall: nil, context)
        let include = request.includeAcknowledged
        let (conflicts, asOf) = try await call(context) { () throws(StoreError) in
            try await store.conflicts(includeAcknowledged: include)
        }
        return .with {
            $0.conflicts = conflicts.map(Inventory_ScanConflict.init)
            $0.asOf = Google_Protobuf_Timestamp(date: asOf)
        }
    }

    func acknowledgeConflict(
        request: Inventory_AcknowledgeConflictRequest, context: ServerContext
    ) async throws -> Inventory_AcknowledgeConflictResponse {
        let (device, _) = try authorize(.acknowledgeConflict, hall: nil, context)
        guard request.conflictID > 0 else {
            throw RPCError(code: .invalidArgument, message: "conflict_id: must be a conflict's id (positive)")
        }
        let id = request.conflictID
        let conflict = try await call(context) { () throws(StoreError) in
            try await store.acknowledgeConflict(id: id, by: device.name)
        }
        requestLogger(context).notice("conflict acknowledged", metadata: ["conflict": "\(id)", "by": "\(device.name)"])
        return .with { $0.conflict = Inventory_ScanConflict(conflict) }
    }

    func annulCheckIn(
        request: Inventory_AnnulCheckInRequest, context: ServerContext
    ) async throws -> Inventory_AnnulCheckInResponse {
        let (device, _) = try authorize(.annulCheckIn, hall: nil, context)
        guard request.terminalID.isEmpty || request.terminalID == device.name else {
            throw DeviceAuthInterceptor.refusal(
                .permissionDenied, "this device is \(device.name); a request may not name terminal \(request.terminalID)",
                method: InventoryOperation.annulCheckIn.rawValue, peer: context.remotePeer, device: device, logger: logger)
        }
        let annul = try validate { () throws(InputError) in
            let reason = try InputRules.freeText(request.reason, field: "reason").trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { throw InputError(field: "reason", problem: "is required") }
            let admission: AnnulRequest.Admission
            switch (request.scanID.isEmpty, request.seatID.isEmpty) {
            case (false, true): admission = .scan(try InputRules.identifier(request.scanID, field: "scan_id"))
            case (true, false):
                guard request.seatRevision > 0 else {
                    throw InputError(field: "seat_revision", problem: "is required with seat_id: the revision the seat was shown at")
                }
                admission = .seat(try InputRules.identifier(request.seatID, field: "seat_id"), revision: request.seatRevision)
            default: throw InputError(field: "scan_id", problem: "or seat_id: exactly one is required")
            }
            return AnnulRequest(
                admission: admission,
                annulID: try InputRules.identifier(request.annulID, field: "annul_id"),
                reason: reason, staffID: try InputRules.identifier(request.staffID, field: "staff_id"),
                terminalID: device.name)
        }
        let asDoor = device.role == .door
        let outcome = try await call(context) { () throws(StoreError) in try await store.annulCheckIn(annul, asDoor: asDoor) }
        var log = requestLogger(context)
        if case .scan(let scanID) = annul.admission { log[metadataKey: "scan_id"] = "\(scanID)" }
        log.notice(
            "admission annulled",
            metadata: [
                "seat": "\(outcome.seat.seatID)", "by": "\(device.name)", "replayed": "\(outcome.replayed)",
                "admitted_at": "\(outcome.admission.terminalID)",
            ])
        var response = Inventory_AnnulCheckInResponse(outcome)
        // A door sees the seat and its state, not whose it is.
        if asDoor { response.seat.ownerUserID = "" }
        return response
    }

    func searchSeats(
        request: Inventory_SearchSeatsRequest, context: ServerContext
    ) async throws -> Inventory_SearchSeatsResponse {
        let hall = request.hallID.isEmpty ? CallingDevice.current?.hallID : request.hallID
        let (device, _) = try authorize(.searchSeats, hall: hall, context)
        let (hallID, search) = try validate { () throws(InputError) in
            guard let hall else { throw InputError(field: "hall_id", problem: "is required") }
            return (try InputRules.identifier(hall, field: "hall_id"), try SeatSearch(request.query))
        }
        let result = try await call(context) { () throws(StoreError) in try await store.searchSeats(hallID: hallID, search) }
        return .with {
            $0.tooMany = result.tooMany
            $0.seats = result.seats.map { seat in
                var wire = Inventory_Seat(seat)
                // A door sees the seat and its state, not whose it is.
                if device.role == .door {
                    wire.ownerUserID = ""
                    wire.heldByUserID = ""
                }
                return wire
            }
        }
    }

    func listHallSeats(
        request: Inventory_ListHallSeatsRequest, context: ServerContext
    ) async throws -> Inventory_ListHallSeatsResponse {
        let (hallID, eventID) = try validate { () throws(InputError) in
            (
                try InputRules.identifier(request.hallID, field: "hall_id"),
                request.eventID.isEmpty ? nil : try InputRules.identifier(request.eventID, field: "event_id")
            )
        }
        _ = try authorize(.listHallSeats, hall: hallID, context)
        var change = try await call(context) { () throws(StoreError) in
            try await store.hallSeats(hallID: hallID, eventID: eventID, since: request.sinceRevision)
        }
        change.databaseWarning = servingState.current.warning
        return Inventory_ListHallSeatsResponse(change)
    }

    func listHallEvents(
        request: Inventory_ListHallEventsRequest, context: ServerContext
    ) async throws -> Inventory_ListHallEventsResponse {
        let hallID = try validate { () throws(InputError) in try InputRules.identifier(request.hallID, field: "hall_id") }
        _ = try authorize(.listHallEvents, hall: hallID, context)
        let schedule = try await call(context) { () throws(StoreError) in try await store.hallEvents(hallID: hallID) }
        return Inventory_ListHallEventsResponse(schedule)
    }

    func getHallOccupancy(
        request: Inventory_GetHallOccupancyRequest, context: ServerContext
    ) async throws -> Inventory_GetHallOccupancyResponse {
        let eventID = try validate { () throws(InputError) in
            request.eventID.isEmpty ? nil : try InputRules.identifier(request.eventID, field: "event_id")
        }
        let (_, onlyHall) = try authorize(.getHallOccupancy, hall: nil, context)
        var report = try await call(context) { () throws(StoreError) in try await store.hallOccupancy(eventID: eventID) }
        // A door sees its own hall's counts only.
        if let onlyHall { report.halls.removeAll { $0.hallID != onlyHall } }
        report.databaseWarning = servingState.current.warning
        return Inventory_GetHallOccupancyResponse(report)
    }

    func enrollDevice(
        request: Inventory_EnrollDeviceRequest, context: ServerContext
    ) async throws -> Inventory_EnrollDeviceResponse {
        // Checked for shape only; the store answers every wrong secret the same way
        // (UNAUTHENTICATED), never "malformed", so a guess learns nothing.
        let secret = request.enrollmentSecret
        let enrolled = try await call(context) { () throws(StoreError) in try await store.enrollDevice(secret: secret) }
        requestLogger(context).notice(
            "device enrolled",
            metadata: ["device": "\(enrolled.device.name)", "role": "\(enrolled.device.role.rawValue)"])
        return .with {
            $0.deviceName = enrolled.device.name
            $0.role = Inventory_DeviceRole(enrolled.device.role)
            $0.hallID = enrolled.device.hallID ?? ""
            $0.token = enrolled.token
        }
    }
}
