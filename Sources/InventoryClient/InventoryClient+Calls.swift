import Foundation
import GRPCCore
import InventoryProto
import SwiftProtobuf
import UsherCore

/// A seat held for a buyer.
public struct SeatHold: Sendable, Hashable {
    public var seat: Seat
    public var heldUntil: Date
}

/// A seat sold (or transferred) with the code its QR holds.
public struct IssuedTicket: Sendable, Hashable {
    public var seat: Seat
    public var ticketCode: String
}

extension InventoryClient {
    /// ReserveSeat. Not retried: a repeat after a lost reply could renew someone's hold.
    public func reserveSeat(_ seatID: String, for userID: String, holdSeconds: Int = 0) async throws(InventoryClientError) -> SeatHold {
        let request = Inventory_ReserveSeatRequest.with {
            $0.seatID = seatID
            $0.userID = userID
            $0.holdSeconds = Int32(clamping: holdSeconds)
        }
        let response = try await perform("ReserveSeat", kind: .mutation, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.reserveSeat(request: .init(message: request), options: options) { try $0.message }
        }
        return SeatHold(seat: try Seat(response.seat), heldUntil: response.heldUntil.date)
    }

    /// ReleaseSeat. Not retried.
    public func releaseSeat(_ seatID: String, for userID: String, reason: String = "") async throws(InventoryClientError) -> Seat {
        let request = Inventory_ReleaseSeatRequest.with {
            $0.seatID = seatID
            $0.userID = userID
            $0.reason = reason
        }
        let response = try await perform("ReleaseSeat", kind: .mutation, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.releaseSeat(request: .init(message: request), options: options) { try $0.message }
        }
        return try Seat(response.seat)
    }

    /// ConfirmSeat. Not retried.
    public func confirmSeat(_ seatID: String, for userID: String, orderID: String) async throws(InventoryClientError) -> IssuedTicket {
        let request = Inventory_ConfirmSeatRequest.with {
            $0.seatID = seatID
            $0.userID = userID
            $0.orderID = orderID
        }
        let response = try await perform("ConfirmSeat", kind: .mutation, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.confirmSeat(request: .init(message: request), options: options) { try $0.message }
        }
        return IssuedTicket(seat: try Seat(response.seat), ticketCode: response.ticketCode)
    }

    /// UpdateOwner. Not retried.
    public func updateOwner(
        _ seatID: String, from: String, to: String, transferID: String? = nil
    ) async throws(InventoryClientError) -> IssuedTicket {
        let request = Inventory_UpdateOwnerRequest.with {
            $0.seatID = seatID
            $0.fromUserID = from
            $0.toUserID = to
            $0.transferID = transferID ?? ""
        }
        let response = try await perform("UpdateOwner", kind: .mutation, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.updateOwner(request: .init(message: request), options: options) { try $0.message }
        }
        return IssuedTicket(seat: try Seat(response.seat), ticketCode: response.ticketCode)
    }

    /// GetSeatOwner. Retried.
    public func seat(_ seatID: String) async throws(InventoryClientError) -> Seat {
        let request = Inventory_GetSeatOwnerRequest.with { $0.seatID = seatID }
        let response = try await perform("GetSeatOwner", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.getSeatOwner(request: .init(message: request), options: options) { try $0.message }
        }
        return try Seat(response.seat)
    }

    /// VerifyTicket: the verdict without admitting. Retried (it changes nothing
    /// but the audit log).
    public func verifyTicket(_ code: String, at door: Door) async throws(InventoryClientError) -> ScanReport {
        let request = Inventory_VerifyTicketRequest.with {
            $0.ticketCode = code
            $0.hallID = door.hallID
            $0.eventID = door.eventID ?? ""
            $0.staffID = door.staffID
            $0.terminalID = door.terminalID
        }
        let response = try await perform("VerifyTicket", kind: .idempotent, deadline: configuration.deadlines.scan) { server, options in
            try await server.inventory.verifyTicket(request: .init(message: request), options: options) { try $0.message }
        }
        return try ScanReport(response)
    }

    /// MarkCheckedIn with `scanID`, retried with the same id: the server replays
    /// its first answer, so a lost reply never turns into DUPLICATE.
    public func markCheckedIn(
        _ code: String, at door: Door, scanID: String, direction: ScanDirection = .entry
    ) async throws(InventoryClientError) -> ScanReport {
        try await markCheckedIn(.with { $0.ticketCode = code }, at: door, scanID: scanID, direction: direction)
    }

    /// MarkCheckedIn of a seat found by search (a guest without a code), under its own
    /// `scanID`, retried with it like any scan; in or out, as the door counts.
    public func admitSearchedSeat(
        _ seatID: String, at door: Door, scanID: String, direction: ScanDirection = .entry
    ) async throws(InventoryClientError) -> ScanReport {
        try await markCheckedIn(.with { $0.seatID = seatID }, at: door, scanID: scanID, direction: direction)
    }

    /// The one MarkCheckedIn call: what is scanned (a code or a seat), from this door.
    private func markCheckedIn(
        _ scanned: Inventory_MarkCheckedInRequest, at door: Door, scanID: String, direction: ScanDirection
    ) async throws(InventoryClientError) -> ScanReport {
        var request = scanned
        request.direction = direction == .exit ? .exit : .entry
        request.hallID = door.hallID
        request.staffID = door.staffID
        request.terminalID = door.terminalID
        request.scanID = scanID
        request.eventID = door.eventID ?? ""
        let sent = request
        let response = try await perform("MarkCheckedIn", kind: .idempotent, deadline: configuration.deadlines.scan) { server, options in
            try await server.inventory.markCheckedIn(request: .init(message: sent), options: options) { try $0.message }
        }
        return try ScanReport(response, scanID: scanID)
    }

    /// OverrideCheckIn: lets in the guest `code` was turned away for, on a supervisor's
    /// PIN. `scanID` is the override's own (not the denied scan's); retried with it, the
    /// server replays its first answer. A wrong PIN is `.permissionDenied`, a locked
    /// door `.rejected`, neither retried.
    public func overrideCheckIn(
        _ code: String, at door: Door, scanID: String, reason: String, supervisor: String, pin: String
    ) async throws(InventoryClientError) -> ScanReport {
        let request = Inventory_OverrideCheckInRequest.with {
            $0.ticketCode = code
            $0.hallID = door.hallID
            $0.staffID = door.staffID
            $0.terminalID = door.terminalID
            $0.scanID = scanID
            $0.eventID = door.eventID ?? ""
            $0.reason = reason
            $0.supervisor = supervisor
            $0.pin = pin
        }
        let response = try await perform("OverrideCheckIn", kind: .idempotent, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.overrideCheckIn(request: .init(message: request), options: options) { try $0.message }
        }
        return try ScanReport(response, scanID: scanID)
    }

    /// UnlockKiosk: a supervisor's PIN for `action` on this (kiosk) door. A wrong PIN
    /// is `.permissionDenied`; a door locked by wrong PINs `.rejected`.
    public func unlockKiosk(supervisor: String, pin: String, action: String) async throws(InventoryClientError) {
        let request = Inventory_UnlockKioskRequest.with {
            $0.supervisor = supervisor
            $0.pin = pin
            $0.action = action
        }
        _ = try await perform("UnlockKiosk", kind: .idempotent, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.unlockKiosk(request: .init(message: request), options: options) { try $0.message }
        }
    }

    /// AnnulCheckIn: undoes `admission` (a scan's, or a seat's current one).
    /// Retried with the same `annulID`: the server answers a repeat as a replay, so a
    /// lost reply never turns into "already annulled".
    public func annulCheckIn(
        _ admission: AnnulRequest.Admission, annulID: String, reason: String, at door: Door
    ) async throws(InventoryClientError) -> AnnulOutcome {
        let request = Inventory_AnnulCheckInRequest.with {
            switch admission {
            case .scan(let scanID): $0.scanID = scanID
            case .seat(let seatID, let revision):
                $0.seatID = seatID
                $0.seatRevision = revision
            }
            $0.annulID = annulID
            $0.reason = reason
            $0.staffID = door.staffID
            $0.terminalID = door.terminalID
        }
        let response = try await perform("AnnulCheckIn", kind: .idempotent, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.annulCheckIn(request: .init(message: request), options: options) { try $0.message }
        }
        return AnnulOutcome(
            seat: try Seat(response.seat),
            admission: CheckIn(at: response.admittedAt.date, terminalID: response.admittedTerminalID, staffID: ""),
            annulledAt: response.annulledAt.date, replayed: response.replayed, logID: response.logID)
    }

    /// SearchSeats: seats of `hallID` (nil: the device's own) that `query` names.
    public func searchSeats(_ query: String, hallID: String? = nil) async throws(InventoryClientError) -> SeatSearchResult {
        let request = Inventory_SearchSeatsRequest.with {
            $0.hallID = hallID ?? ""
            $0.query = query
        }
        let response = try await perform("SearchSeats", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.searchSeats(request: .init(message: request), options: options) { try $0.message }
        }
        var seats: [Seat] = []
        for seat in response.seats { seats.append(try Seat(seat)) }
        return SeatSearchResult(seats: seats, tooMany: response.tooMany)
    }

    /// MarkCheckedIn for a scan this door decided offline, uploaded with the scan id it
    /// made then, its own clock at the scan, its measured skew and the verdict it
    /// showed. Retried with the same id: the server replays an upload it already
    /// applied, so a lost acknowledgement never doubles an admission or a conflict.
    public func uploadOfflineScan(_ code: String, at door: Door, scanID: String, offline: OfflineScan)
        async throws(InventoryClientError) -> ScanReport
    {
        let request = Inventory_MarkCheckedInRequest.with {
            $0.ticketCode = code
            $0.hallID = door.hallID
            $0.staffID = door.staffID
            $0.terminalID = door.terminalID
            $0.scanID = scanID
            $0.eventID = door.eventID ?? ""
            $0.offlineScannedAt = Google_Protobuf_Timestamp(date: offline.scannedAt)
            $0.clockSkewMs = Int64((offline.clockSkew * 1000).rounded())
            $0.offlineResult = Inventory_ScanResult(shownAtDoor: offline.shownResult)
        }
        let response = try await perform("MarkCheckedIn", kind: .idempotent, deadline: configuration.deadlines.scan) { server, options in
            try await server.inventory.markCheckedIn(request: .init(message: request), options: options) { try $0.message }
        }
        return try ScanReport(response, scanID: scanID)
    }

    /// SyncDoor: keys, the hall's events and its seats changed since `cursor` (0: all),
    /// for the door's local store. Retried (read-only).
    public func syncDoor(hallID: String, since cursor: Int64, report: DoorReport? = nil) async throws(InventoryClientError) -> DoorSync {
        let request = Inventory_SyncDoorRequest.with {
            $0.hallID = hallID
            $0.since = cursor
            if let report { $0.report = Inventory_DoorReport(report) }
        }
        let response = try await perform("SyncDoor", kind: .idempotent, deadline: configuration.deadlines.sync) { server, options in
            try await server.inventory.syncDoor(request: .init(message: request), options: options) { try $0.message }
        }
        return try DoorSync(response)
    }

    /// ListConflicts: offline admissions the server could not confirm, newest first
    /// (unacknowledged only, unless asked). Retried (read-only).
    public func conflicts(includeAcknowledged: Bool = false) async throws(InventoryClientError) -> [ScanConflict] {
        let request = Inventory_ListConflictsRequest.with { $0.includeAcknowledged = includeAcknowledged }
        let response = try await perform("ListConflicts", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.listConflicts(request: .init(message: request), options: options) { try $0.message }
        }
        var conflicts: [ScanConflict] = []
        for conflict in response.conflicts { conflicts.append(try ScanConflict(conflict)) }
        return conflicts
    }

    /// ListDoors: every enrolled door (of `hallID`, or all) and how it stood at its
    /// last sync. Retried (read-only).
    public func doors(hallID: String? = nil) async throws(InventoryClientError) -> DoorBoard {
        let request = Inventory_ListDoorsRequest.with { $0.hallID = hallID ?? "" }
        let response = try await perform("ListDoors", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.listDoors(request: .init(message: request), options: options) { try $0.message }
        }
        return DoorBoard(response)
    }

    /// AcknowledgeConflict. Retried: the server keeps the first acknowledgement.
    public func acknowledgeConflict(id: Int64) async throws(InventoryClientError) -> ScanConflict {
        let request = Inventory_AcknowledgeConflictRequest.with { $0.conflictID = id }
        let response = try await perform("AcknowledgeConflict", kind: .idempotent, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.acknowledgeConflict(request: .init(message: request), options: options) { try $0.message }
        }
        return try ScanConflict(response.conflict)
    }

    /// The public keys that verify ticket codes, signing key first.
    public func verificationKeys() async throws(InventoryClientError) -> [TicketVerificationKey] {
        let response = try await perform("GetVerificationKeys", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.getVerificationKeys(request: .init(message: .init()), options: options) { try $0.message }
        }
        do {
            return try response.keys.map { try TicketVerificationKey(rawRepresentation: $0.publicKey) }
        } catch {
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent an invalid verification key")
        }
    }

    /// ListHallSeats: the seats of `hallID` (for `eventID`, or the hall's current
    /// event) that changed since `cursor`; 0 loads every seat. Pass the returned
    /// ``HallSeatsChange/cursor`` next time; apply a delta by replacing seats by id.
    /// Retried (read-only). Throws `.unimplemented` from a server that predates it.
    public func hallSeats(hallID: String, eventID: String? = nil, since cursor: Int64 = 0)
        async throws(InventoryClientError) -> HallSeatsChange
    {
        let request = Inventory_ListHallSeatsRequest.with {
            $0.hallID = hallID
            $0.eventID = eventID ?? ""
            $0.sinceRevision = cursor
        }
        let response = try await perform("ListHallSeats", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.listHallSeats(request: .init(message: request), options: options) { try $0.message }
        }
        return try HallSeatsChange(response)
    }

    /// GetHallOccupancy: capacity, seats by status and recent arrivals per hall and
    /// event (every event, or only `eventID`). Retried (read-only). Throws
    /// `.unimplemented` from a server that predates it.
    public func hallOccupancy(eventID: String? = nil) async throws(InventoryClientError) -> OccupancyReport {
        let request = Inventory_GetHallOccupancyRequest.with { $0.eventID = eventID ?? "" }
        let response = try await perform("GetHallOccupancy", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.getHallOccupancy(request: .init(message: request), options: options) { try $0.message }
        }
        return OccupancyReport(response)
    }

    /// ListHallEvents: the hall's events with their admission windows, for naming the
    /// hall's current event (``HallSchedule/current(at:)``). Retried (read-only).
    /// Throws `.unimplemented` from a server that predates it.
    public func hallSchedule(hallID: String) async throws(InventoryClientError) -> HallSchedule {
        let request = Inventory_ListHallEventsRequest.with { $0.hallID = hallID }
        let response = try await perform("ListHallEvents", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.inventory.listHallEvents(request: .init(message: request), options: options) { try $0.message }
        }
        return HallSchedule(response)
    }

    /// grpc.health.v1 Check for the inventory service: true when SERVING.
    public func health() async throws(InventoryClientError) -> Bool {
        let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = "inventory.InventoryService" }
        let response = try await perform("Health/Check", kind: .idempotent, deadline: configuration.deadlines.read) { server, options in
            try await server.health.check(request: .init(message: request), options: options) { try $0.message }
        }
        return response.status == .serving
    }

    /// EnrollDevice. Not retried: the secret is one-time, so a repeat after a lost
    /// reply is told "already used"; the operator rolls the device for a new code.
    func enrollDevice(secret: String, code: EnrollmentCode) async throws(InventoryClientError) -> DeviceCredential {
        let request = Inventory_EnrollDeviceRequest.with { $0.enrollmentSecret = secret }
        let response = try await perform("EnrollDevice", kind: .mutation, deadline: configuration.deadlines.write) { server, options in
            try await server.inventory.enrollDevice(request: .init(message: request), options: options) { try $0.message }
        }
        guard let role = DeviceRole(response.role), DeviceSecret.isWellFormed(response.token) else {
            throw InventoryClientError(kind: .serverError, userMessage: "the server's enrollment answer is malformed")
        }
        return DeviceCredential(
            server: code.server, token: response.token, fingerprint: code.fingerprint, name: response.deviceName,
            role: role, hall: response.hallID.isEmpty ? nil : response.hallID)
    }
}
