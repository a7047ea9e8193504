import Foundation
import InventoryProto
import SwiftProtobuf
import UsherCore

// Wire ⇄ domain for the client. Generated types stop here.

extension Seat {
    init(_ proto: Inventory_Seat) throws(InventoryClientError) {
        let state: SeatState
        switch proto.status {
        case .available:
            state = .available
        case .held:
            state = .held(by: proto.heldByUserID, until: proto.heldUntil.date)
        case .sold:
            state = .sold(owner: proto.ownerUserID, orderID: "")
        case .checkedIn:
            state = .checkedIn(
                owner: proto.ownerUserID, orderID: "",
                checkIn: CheckIn(at: proto.checkedInAt.date, terminalID: proto.checkedInTerminalID, staffID: ""))
        case .unspecified, .UNRECOGNIZED:
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent a seat without a known status")
        }
        self.init(
            seatID: proto.seatID, eventID: proto.eventID, hallID: proto.hallID, section: proto.section, row: proto.row,
            number: Int(proto.number), state: state, updatedAt: proto.updatedAt.date, revision: proto.revision,
            ticketSerial: 0, outsideSince: proto.hasOutsideSince ? proto.outsideSince.date : nil)
    }
}

extension ScanReason {
    init(_ proto: Inventory_ScanReason) throws(InventoryClientError) {
        switch proto {
        case .valid: self = .valid
        case .malformed: self = .malformed
        case .unknownSeat: self = .unknownSeat
        case .badSignature: self = .badSignature
        case .unknownKey: self = .unknownKey
        case .revokedByTransfer: self = .revokedByTransfer
        case .wrongHall: self = .wrongHall
        case .wrongEvent: self = .wrongEvent
        case .notYetValid: self = .notYetValid
        case .eventEnded: self = .eventEnded
        case .notSold: self = .notSold
        case .holdNotPaid: self = .holdNotPaid
        case .alreadyCheckedIn: self = .alreadyCheckedIn
        case .offlineConflict: self = .offlineConflict
        case .override: self = .override
        case .reentry: self = .reentry
        case .exit: self = .exit
        case .unspecified, .UNRECOGNIZED:
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent a verdict without a known reason")
        }
    }

    /// The reason a verdict is read with. Reasons are additive on the wire: one this
    /// build does not know (a newer server's) stands as its result's plainest reason,
    /// and the server's own message is still what the door shows. The six results are
    /// the contract; a door that cannot name the reason must still show the verdict,
    /// never an error that turns an admitted guest into a retry.
    init(_ proto: Inventory_ScanReason, result: ScanResult) throws(InventoryClientError) {
        if case .UNRECOGNIZED = proto {
            switch result {
            case .success: self = .valid
            case .duplicate: self = .alreadyCheckedIn
            case .wrongHall: self = .wrongHall
            case .unpaid: self = .notSold
            case .notFound: self = .unknownSeat
            case .expired: self = .eventEnded
            }
        } else {
            try self.init(proto)
        }
    }
}

/// What VerifyTicket and MarkCheckedIn responses share, so one mapping reads both.
protocol ScanResponseFields {
    var result: Inventory_ScanResult { get }
    var reason: Inventory_ScanReason { get }
    var message: String { get }
    var hasSeat: Bool { get }
    var seat: Inventory_Seat { get }
    var hasFirstCheckedInAt: Bool { get }
    var firstCheckedInAt: Google_Protobuf_Timestamp { get }
    var firstCheckedInTerminalID: String { get }
    var hallName: String { get }
    var eventName: String { get }
    var logID: Int64 { get }
}

extension Inventory_VerifyTicketResponse: ScanResponseFields {}
extension Inventory_MarkCheckedInResponse: ScanResponseFields {}

extension ScanReport {
    init(_ proto: some ScanResponseFields, checkedInAt: Date? = nil, replayed: Bool = false, scanID: String? = nil)
        throws(InventoryClientError)
    {
        let result = try ScanResult(proto.result)
        let reason = try ScanReason(proto.reason, result: result)
        guard reason.result == result else {
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent a verdict that contradicts its reason")
        }
        self.init(
            verdict: ScanVerdict(
                reason: reason,
                firstCheckIn: proto.hasFirstCheckedInAt
                    ? CheckIn(at: proto.firstCheckedInAt.date, terminalID: proto.firstCheckedInTerminalID, staffID: "") : nil,
                message: proto.message),
            seat: proto.hasSeat ? try Seat(proto.seat) : nil,
            hallName: proto.hallName.isEmpty ? nil : proto.hallName,
            eventName: proto.eventName.isEmpty ? nil : proto.eventName,
            checkedInAt: checkedInAt, replayed: replayed, scanID: scanID, logID: proto.logID == 0 ? nil : proto.logID)
    }

    init(_ proto: Inventory_MarkCheckedInResponse, scanID: String) throws(InventoryClientError) {
        // The labels pick the shared initialiser above.
        try self.init(
            proto, checkedInAt: proto.hasCheckedInAt ? proto.checkedInAt.date : nil, replayed: proto.replayed, scanID: scanID)
        conflictID = proto.conflictID == 0 ? nil : proto.conflictID
    }
}

extension ScanResult {
    init(_ proto: Inventory_ScanResult) throws(InventoryClientError) {
        switch proto {
        case .success: self = .success
        case .duplicate: self = .duplicate
        case .wrongHall: self = .wrongHall
        case .unpaid: self = .unpaid
        case .notFound: self = .notFound
        case .expired: self = .expired
        case .unspecified, .UNRECOGNIZED:
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent an unknown verdict")
        }
    }
}

extension SeatStatus {
    init(_ proto: Inventory_SeatStatus) throws(InventoryClientError) {
        switch proto {
        case .available: self = .available
        case .held: self = .held
        case .sold: self = .sold
        case .checkedIn: self = .checkedIn
        case .unspecified, .UNRECOGNIZED:
            throw InventoryClientError(kind: .serverError, userMessage: "the server sent a seat without a known status")
        }
    }
}

extension HallSeatsChange {
    init(_ proto: Inventory_ListHallSeatsResponse) throws(InventoryClientError) {
        var seats: [HallSeat] = []
        seats.reserveCapacity(proto.seats.count)
        for seat in proto.seats {
            guard seat.sectionIndex < proto.sections.count else {
                throw InventoryClientError(kind: .serverError, userMessage: "the server sent a seat in an unknown section")
            }
            let section = proto.sections[Int(seat.sectionIndex)]
            seats.append(
                HallSeat(
                    seatID: seat.seatID, section: section.name, sectionPosition: Int(section.position), row: seat.row,
                    rowPosition: Int(seat.rowPosition), number: Int(seat.number), status: try SeatStatus(seat.status),
                    revision: seat.revision))
        }
        self.init(
            hallID: proto.hallID, hallName: proto.hallName, eventID: proto.eventID, eventName: proto.eventName,
            seats: seats, cursor: proto.revision, isComplete: proto.complete, asOf: proto.asOf.date,
            databaseWarning: proto.databaseWarning.isEmpty ? nil : proto.databaseWarning)
    }
}

extension HallSchedule {
    init(_ proto: Inventory_ListHallEventsResponse) {
        self.init(
            hallID: proto.hallID, hallName: proto.hallName,
            events: proto.events.map { EventWindow($0, hallID: proto.hallID) }, asOf: proto.asOf.date)
    }
}

extension EventWindow {
    init(_ proto: Inventory_HallEvent, hallID: String) {
        self.init(
            eventID: proto.eventID, hallID: hallID, name: proto.name, doorsAt: proto.doorsAt.date,
            startsAt: proto.startsAt.date, endsAt: proto.endsAt.date)
    }
}

extension DoorSync {
    init(_ proto: Inventory_SyncDoorResponse) throws(InventoryClientError) {
        var keys: [TicketVerificationKey] = []
        for key in proto.keys {
            guard let verifier = try? TicketVerificationKey(rawRepresentation: key.publicKey) else {
                throw InventoryClientError(kind: .serverError, userMessage: "the server sent an invalid verification key")
            }
            keys.append(verifier)
        }
        var seats: [DoorSeat] = []
        seats.reserveCapacity(proto.seats.count)
        for seat in proto.seats {
            seats.append(
                DoorSeat(
                    seatID: seat.seatID, eventID: seat.eventID, section: seat.section, row: seat.row,
                    number: Int(seat.number), status: try SeatStatus(seat.status),
                    ticketSerial: seat.ticketSerial, heldUntil: seat.hasHeldUntil ? seat.heldUntil.date : nil,
                    checkIn: seat.hasCheckedInAt
                        ? CheckIn(at: seat.checkedInAt.date, terminalID: seat.checkedInTerminalID, staffID: seat.checkedInStaffID)
                        : nil,
                    revision: seat.revision, outsideSince: seat.hasOutsideSince ? seat.outsideSince.date : nil))
        }
        self.init(
            hallID: proto.hallID, hallName: proto.hallName, keys: keys,
            events: proto.events.map { EventWindow($0, hallID: proto.hallID) }, seats: seats, cursor: proto.cursor,
            isComplete: proto.complete, serverTime: proto.serverTime.date)
    }
}

extension ScanConflict {
    init(_ proto: Inventory_ScanConflict) throws(InventoryClientError) {
        self.init(
            id: proto.conflictID, seatID: proto.seatID, hallID: proto.hallID, eventID: proto.eventID,
            first: proto.hasFirstAt ? CheckIn(at: proto.firstAt.date, terminalID: proto.firstTerminalID, staffID: "") : nil,
            offlineAt: proto.offlineAt.date, offlineTerminalID: proto.offlineTerminalID,
            serverReason: try ScanReason(proto.serverReason), message: proto.message, recordedAt: proto.recordedAt.date,
            acknowledgedAt: proto.hasAcknowledgedAt ? proto.acknowledgedAt.date : nil,
            acknowledgedBy: proto.acknowledgedBy.isEmpty ? nil : proto.acknowledgedBy, scanID: proto.scanID)
    }
}

extension Inventory_ScanResult {
    /// The verdict an offline door showed, for its upload.
    init(shownAtDoor result: ScanResult) {
        switch result {
        case .success: self = .success
        case .duplicate: self = .duplicate
        case .wrongHall: self = .wrongHall
        case .unpaid: self = .unpaid
        case .notFound: self = .notFound
        case .expired: self = .expired
        }
    }
}

extension OccupancyReport {
    init(_ proto: Inventory_GetHallOccupancyResponse) {
        self.init(
            halls: proto.halls.map { hall in
                HallOccupancy(
                    hallID: hall.hallID, hallName: hall.hallName, eventID: hall.eventID, eventName: hall.eventName,
                    doorsAt: hall.hasDoorsAt ? hall.doorsAt.date : hall.startsAt.date.addingTimeInterval(-EventWindow.defaultDoorsBeforeStart),
                    startsAt: hall.startsAt.date, endsAt: hall.endsAt.date, capacity: Int(hall.capacity),
                    available: Int(hall.available), held: Int(hall.held), sold: Int(hall.sold),
                    checkedIn: Int(hall.checkedIn), admissionsPerMinute: hall.admissionsPerMinute.map { Int($0) },
                    insideNow: Int(hall.insideNow),
                    doorFlows: hall.doorFlows.map { DoorFlow(terminalID: $0.terminalID, entries: Int($0.entries), exits: Int($0.exits)) })
            },
            asOf: proto.asOf.date, databaseWarning: proto.databaseWarning.isEmpty ? nil : proto.databaseWarning)
    }
}

extension DeviceRole {
    init?(_ proto: Inventory_DeviceRole) {
        switch proto {
        case .door: self = .door
        case .supervisor: self = .supervisor
        case .boxOffice: self = .boxOffice
        case .admin: self = .admin
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

extension Inventory_DoorReport {
    /// How this door stands, sent with its sync.
    init(_ report: DoorReport) {
        self = .with {
            $0.offline = report.offline
            $0.forced = report.forced
            $0.pendingUploads = Int32(clamping: max(0, report.pendingUploads))
            $0.clockSkewMs = Int64((report.clockSkew * 1000).rounded())
        }
    }
}

extension DoorBoard {
    init(_ proto: Inventory_ListDoorsResponse) {
        self.init(
            doors: proto.doors.map { door in
                DoorStatus(
                    terminalID: door.terminalID, hallID: door.hallID,
                    lastSyncAt: door.hasLastSyncAt ? door.lastSyncAt.date : nil,
                    report: door.hasReport
                        ? DoorReport(
                            offline: door.report.offline, forced: door.report.forced,
                            pendingUploads: Int(door.report.pendingUploads),
                            clockSkew: Double(door.report.clockSkewMs) / 1000)
                        : nil,
                    overridesLockedUntil: door.hasOverridesLockedUntil ? door.overridesLockedUntil.date : nil)
            },
            serverTime: proto.serverTime.date)
    }
}
