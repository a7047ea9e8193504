import Foundation
import InventoryClient
import ScanModel
import UsherCore

/// Fixed inputs so screens are the same on every machine.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 10:13:20 UTC
    static let start = ContinuousClock.now

    static func settings(ascii: Bool = false, color: Bool = true) -> DoorSettings {
        DoorSettings(
            server: "127.0.0.1:50051", hallID: "main", staffID: "alice", terminalID: "door-1",
            ascii: ascii, color: color, timeZone: TimeZone(identifier: "UTC")!)
    }

    static func seat(_ state: SeatState, hall: String = "main") -> Seat {
        Seat(
            seatID: "main-tonight.stalls.A.12", eventID: "main-tonight", hallID: hall, section: "Stalls", row: "A",
            number: 12, state: state, updatedAt: now, revision: 3, ticketSerial: 0)
    }

    static func report(_ reason: ScanReason) -> ScanReport {
        let first = CheckIn(at: Date(timeIntervalSince1970: 1_794_990_000), terminalID: "door-main-2", staffID: "")
        let state: SeatState =
            switch reason {
            case .alreadyCheckedIn: .checkedIn(owner: "guest-a12", orderID: "", checkIn: first)
            case .notSold: .available
            case .holdNotPaid: .held(by: "buyer-9", until: now.addingTimeInterval(600))
            default: .sold(owner: "guest-a12", orderID: "")
            }
        let messages: [ScanReason: String] = [
            .valid: "Admitted: seat main-tonight.stalls.A.12",
            .alreadyCheckedIn: "Already checked in 2026-11-18 08:20:00 UTC at terminal door-main-2",
            .wrongHall: "Wrong hall: ticket is for hall studio, this door is main",
            .holdNotPaid: "Unpaid: seat main-tonight.stalls.A.12 is on hold, not paid",
            .eventEnded: "Expired: the event ended 2025-06-01 13:00:00 UTC",
            .badSignature: "Forged or damaged ticket: the signature does not match",
            .revokedByTransfer: "Ticket void: it was re-issued (transferred) to someone else",
        ]
        let hasSeat = ![.badSignature, .malformed, .unknownKey, .unknownSeat].contains(reason)
        return ScanReport(
            verdict: ScanVerdict(
                reason: reason, firstCheckIn: reason == .alreadyCheckedIn ? first : nil,
                message: messages[reason] ?? reason.rawValue),
            seat: hasSeat ? seat(state, hall: reason == .wrongHall ? "studio" : "main") : nil,
            hallName: hasSeat ? (reason == .wrongHall ? "Studio" : "Main Hall") : nil,
            eventName: hasSeat ? "The Usher Gala" : nil, checkedInAt: nil, replayed: false, scanID: "s")
    }

    /// A door that has scanned `code` and got `report` back.
    static func door(
        showing report: ScanReport, width: Int = 80, height: Int = 24, ascii: Bool = false, color: Bool = true
    ) -> DoorState {
        var door = DoorState(settings: settings(ascii: ascii, color: color), width: width, height: height, now: now)
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        scan(&door, "U1.CODE")
        _ = door.update(.checked(code: "U1.CODE", admission: true, outcome: .success(report), latency: .milliseconds(4), at: start))
        return door
    }

    /// Types `code` as a scanner would (a burst, then Enter).
    static func scan(_ door: inout DoorState, _ code: String, at base: ContinuousClock.Instant = start) -> [DoorEffect] {
        var effects: [DoorEffect] = []
        for (index, character) in code.enumerated() {
            effects += door.update(.key(.character(character), at: base + .milliseconds(3 * index)))
        }
        effects += door.update(.key(.enter, at: base + .milliseconds(3 * code.count)))
        return effects
    }
}
