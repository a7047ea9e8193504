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
        case .eventEnded: self = .eventEnded
        case .notSold: self = .notSold
        case .holdNotPaid: self = .holdNotPaid
        case .alreadyCheckedIn: self = .alreadyCheckedIn
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
    mutating func fill(from outcome: ScanOutcome) {
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
        logID = outcome.logID
    }
}

extension Inventory_VerifyTicketResponse: ScanResponseMessage {
    init(_ outcome: ScanOutcome) {
        self.init()
        fill(from: outcome)
    }
}

extension Inventory_MarkCheckedInResponse: ScanResponseMessage {
    init(_ outcome: ScanOutcome) {
        self.init()
        fill(from: outcome)
        if let at = outcome.checkedInAt { checkedInAt = Google_Protobuf_Timestamp(date: at) }
        replayed = outcome.replayed
    }
}
