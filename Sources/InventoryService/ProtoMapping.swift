import Foundation
import InventoryProto
import InventoryStore
import SwiftProtobuf
import UsherCore

// Domain ⇄ wire. The generated types stop here: nothing public in this module
// mentions them.

extension Inventory_Seat {
    init(_ seat: Seat) {
        self.init()
        seatID = seat.seatID
        eventID = seat.eventID
        hallID = seat.hallID
        section = seat.section
        row = seat.row
        number = UInt32(clamping: seat.number)
        status = .init(seat.status)
        ownerUserID = seat.state.ownerUserID ?? ""
        switch seat.state {
        case .held(let holder, let until):
            heldByUserID = holder
            heldUntil = Google_Protobuf_Timestamp(date: until)
        case .checkedIn(_, _, let checkIn):
            checkedInAt = Google_Protobuf_Timestamp(date: checkIn.at)
            checkedInTerminalID = checkIn.terminalID
        case .available, .sold:
            break
        }
        if let out = seat.outsideSince { outsideSince = Google_Protobuf_Timestamp(date: out) }
        updatedAt = Google_Protobuf_Timestamp(date: seat.updatedAt)
        revision = seat.revision
    }
}

extension Inventory_SeatStatus {
    init(_ status: SeatStatus) {
        switch status {
        case .available: self = .available
        case .held: self = .held
        case .sold: self = .sold
        case .checkedIn: self = .checkedIn
        }
    }
}

extension Inventory_ScanResult {
    init(_ result: ScanResult) {
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

extension Inventory_ScanReason {
    init(_ reason: ScanReason) {
        switch reason {
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
        }
    }
}

extension ScanResult {
    /// A verdict a door reports (an offline upload's `offline_result`); nil for an
    /// unset or unknown value.
    init?(shownAtDoor wire: Inventory_ScanResult) {
        switch wire {
        case .success: self = .success
        case .duplicate: self = .duplicate
        case .wrongHall: self = .wrongHall
        case .unpaid: self = .unpaid
        case .notFound: self = .notFound
        case .expired: self = .expired
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

/// The fields VerifyTicket and MarkCheckedIn responses share, so one mapping fills both.
protocol ScanResponseMessage {
    var result: Inventory_ScanResult { get set }
    var reason: Inventory_ScanReason { get set }
    var message: String { get set }
    var seat: Inventory_Seat { get set }
    var ticketHallID: String { get set }
    var firstCheckedInAt: Google_Protobuf_Timestamp { get set }
    var firstCheckedInTerminalID: String { get set }
    var hallName: String { get set }
    var eventName: String { get set }
    var logID: Int64 { get set }
}

extension ScanResponseMessage {
    mutating func fill(from outcome: ScanReport) {
        result = .init(outcome.verdict.result)
        reason = .init(outcome.verdict.reason)
        message = outcome.verdict.message
        if let seat = outcome.seat {
            self.seat = Inventory_Seat(seat)
            ticketHallID = seat.hallID
        }
        if let first = outcome.verdict.firstCheckIn {
            firstCheckedInAt = Google_Protobuf_Timestamp(date: first.at)
            firstCheckedInTerminalID = first.terminalID
        }
        hallName = outcome.hallName ?? ""
        eventName = outcome.eventName ?? ""
        logID = outcome.logID ?? 0
    }
}

extension Inventory_VerifyTicketResponse: ScanResponseMessage {
    init(_ outcome: ScanReport) {
        self.init()
        fill(from: outcome)
    }
}

extension Inventory_MarkCheckedInResponse: ScanResponseMessage {
    init(_ outcome: ScanReport) {
        self.init()
        fill(from: outcome)
        if let at = outcome.checkedInAt { checkedInAt = Google_Protobuf_Timestamp(date: at) }
        replayed = outcome.replayed
        conflictID = outcome.conflictID ?? 0
    }
}

extension Inventory_HallEvent {
    init(_ event: EventWindow) {
        self.init()
        eventID = event.eventID
        name = event.name
        doorsAt = Google_Protobuf_Timestamp(date: event.doorsAt)
        startsAt = Google_Protobuf_Timestamp(date: event.startsAt)
        endsAt = Google_Protobuf_Timestamp(date: event.endsAt)
    }
}

extension Inventory_VerificationKey {
    init(_ key: TicketVerificationKey, signing: Bool) {
        self.init()
        keyID = key.keyID.description
        algorithm = "ed25519"
        publicKey = key.rawRepresentation
        self.signing = signing
    }
}

extension Inventory_SyncDoorResponse {
    init(_ sync: DoorSync, signing: TicketKeyID?) {
        self.init()
        hallID = sync.hallID
        hallName = sync.hallName
        keys = sync.keys.map { Inventory_VerificationKey($0, signing: $0.keyID == signing) }
        events = sync.events.map(Inventory_HallEvent.init)
        seats = sync.seats.map { seat in
            .with {
                $0.seatID = seat.seatID
                $0.eventID = seat.eventID
                $0.status = .init(seat.status)
                $0.ticketSerial = seat.ticketSerial
                if let until = seat.heldUntil { $0.heldUntil = Google_Protobuf_Timestamp(date: until) }
                if let checkIn = seat.checkIn {
                    $0.checkedInAt = Google_Protobuf_Timestamp(date: checkIn.at)
                    $0.checkedInTerminalID = checkIn.terminalID
                    $0.checkedInStaffID = checkIn.staffID
                }
                $0.revision = seat.revision
                $0.section = seat.section
                $0.row = seat.row
                $0.number = Int32(clamping: seat.number)
                if let out = seat.outsideSince { $0.outsideSince = Google_Protobuf_Timestamp(date: out) }
            }
        }
        cursor = sync.cursor
        complete = sync.isComplete
        serverTime = Google_Protobuf_Timestamp(date: sync.serverTime)
    }
}

extension Inventory_ScanConflict {
    init(_ conflict: ScanConflict) {
        self.init()
        conflictID = conflict.id
        seatID = conflict.seatID
        hallID = conflict.hallID
        eventID = conflict.eventID
        if let first = conflict.first {
            firstAt = Google_Protobuf_Timestamp(date: first.at)
            firstTerminalID = first.terminalID
        }
        offlineAt = Google_Protobuf_Timestamp(date: conflict.offlineAt)
        offlineTerminalID = conflict.offlineTerminalID
        serverResult = .init(conflict.serverResult)
        serverReason = .init(conflict.serverReason)
        message = conflict.message
        recordedAt = Google_Protobuf_Timestamp(date: conflict.recordedAt)
        if let at = conflict.acknowledgedAt { acknowledgedAt = Google_Protobuf_Timestamp(date: at) }
        acknowledgedBy = conflict.acknowledgedBy ?? ""
        scanID = conflict.scanID
    }
}

extension Inventory_ListHallSeatsResponse {
    /// Sections are listed once each (those of the seats in this response, in venue
    /// order) and seats point at them by index, so a 20,000-seat answer does not
    /// repeat section names 20,000 times.
    init(_ change: HallSeatsChange) {
        self.init()
        hallID = change.hallID
        hallName = change.hallName
        eventID = change.eventID
        eventName = change.eventName
        struct SectionKey: Hashable, Comparable {
            var position: Int
            var name: String
            static func < (a: Self, b: Self) -> Bool { (a.position, a.name) < (b.position, b.name) }
        }
        let keys = Set(change.seats.map { SectionKey(position: $0.sectionPosition, name: $0.section) }).sorted()
        var sectionIndex: [SectionKey: UInt32] = [:]
        for (index, key) in keys.enumerated() { sectionIndex[key] = UInt32(index) }
        sections = keys.map { key in
            .with {
                $0.name = key.name
                $0.position = UInt32(clamping: key.position)
            }
        }
        seats = change.seats.map { seat in
            .with {
                $0.seatID = seat.seatID
                $0.sectionIndex = sectionIndex[SectionKey(position: seat.sectionPosition, name: seat.section)] ?? 0
                $0.row = seat.row
                $0.rowPosition = UInt32(clamping: seat.rowPosition)
                $0.number = UInt32(clamping: seat.number)
                $0.status = .init(seat.status)
                $0.revision = seat.revision
            }
        }
        revision = change.cursor
        complete = change.isComplete
        asOf = Google_Protobuf_Timestamp(date: change.asOf)
        databaseWarning = change.databaseWarning ?? ""
    }
}

extension Inventory_AnnulCheckInResponse {
    init(_ outcome: AnnulOutcome) {
        self.init()
        seat = Inventory_Seat(outcome.seat)
        message = outcome.message
        annulledAt = Google_Protobuf_Timestamp(date: outcome.annulledAt)
        admittedAt = Google_Protobuf_Timestamp(date: outcome.admission.at)
        admittedTerminalID = outcome.admission.terminalID
        replayed = outcome.replayed
        logID = outcome.logID
    }
}

extension Inventory_ListHallEventsResponse {
    init(_ schedule: HallSchedule) {
        self.init()
        hallID = schedule.hallID
        hallName = schedule.hallName
        events = schedule.events.map(Inventory_HallEvent.init)
        asOf = Google_Protobuf_Timestamp(date: schedule.asOf)
    }
}

extension Inventory_GetHallOccupancyResponse {
    init(_ report: OccupancyReport) {
        self.init()
        halls = report.halls.map { hall in
            .with {
                $0.hallID = hall.hallID
                $0.hallName = hall.hallName
                $0.eventID = hall.eventID
                $0.eventName = hall.eventName
                $0.doorsAt = Google_Protobuf_Timestamp(date: hall.doorsAt)
                $0.startsAt = Google_Protobuf_Timestamp(date: hall.startsAt)
                $0.endsAt = Google_Protobuf_Timestamp(date: hall.endsAt)
                $0.capacity = UInt32(clamping: hall.capacity)
                $0.available = UInt32(clamping: hall.available)
                $0.held = UInt32(clamping: hall.held)
                $0.sold = UInt32(clamping: hall.sold)
                $0.checkedIn = UInt32(clamping: hall.checkedIn)
                $0.admissionsPerMinute = hall.admissionsPerMinute.map { UInt32(clamping: $0) }
                $0.insideNow = UInt32(clamping: hall.insideNow)
                $0.doorFlows = hall.doorFlows.map { flow in
                    .with {
                        $0.terminalID = flow.terminalID
                        $0.entries = UInt32(clamping: flow.entries)
                        $0.exits = UInt32(clamping: flow.exits)
                    }
                }
            }
        }
        asOf = Google_Protobuf_Timestamp(date: report.asOf)
        databaseWarning = report.databaseWarning ?? ""
    }
}

extension Inventory_DeviceRole {
    init(_ role: DeviceRole) {
        switch role {
        case .door: self = .door
        case .supervisor: self = .supervisor
        case .boxOffice: self = .boxOffice
        case .admin: self = .admin
        }
    }
}

extension DoorReport {
    /// A door's report as it arrives: a negative count, or a skew past
    /// ``DoorReport/maxClockSkew`` (garbage, not a clock), is refused. A clock that is
    /// merely far off is reported as it is, so supervisors can see it.
    init(_ proto: Inventory_DoorReport) throws(InputError) {
        guard proto.pendingUploads >= 0 else {
            throw InputError(field: "report.pending_uploads", problem: "must not be negative")
        }
        guard proto.clockSkewMs.magnitude <= Int64(DoorReport.maxClockSkew * 1000).magnitude else {
            throw InputError(field: "report.clock_skew_ms", problem: "is not a clock skew")
        }
        self.init(
            offline: proto.offline, forced: proto.forced, pendingUploads: Int(proto.pendingUploads),
            clockSkew: Double(proto.clockSkewMs) / 1000)
    }
}

extension Inventory_DoorReport {
    init(_ report: DoorReport) {
        self = .with {
            $0.offline = report.offline
            $0.forced = report.forced
            $0.pendingUploads = Int32(clamping: report.pendingUploads)
            $0.clockSkewMs = Int64((report.clockSkew * 1000).rounded())
        }
    }
}

extension Inventory_ListDoorsResponse {
    init(_ board: DoorBoard) {
        self = .with {
            $0.doors = board.doors.map { door in
                .with {
                    $0.terminalID = door.terminalID
                    $0.hallID = door.hallID
                    if let at = door.lastSyncAt { $0.lastSyncAt = Google_Protobuf_Timestamp(date: at) }
                    if let until = door.overridesLockedUntil {
                        $0.overridesLockedUntil = Google_Protobuf_Timestamp(date: until)
                    }
                    if let report = door.report { $0.report = Inventory_DoorReport(report) }
                }
            }
            $0.serverTime = Google_Protobuf_Timestamp(date: board.serverTime)
        }
    }
}
