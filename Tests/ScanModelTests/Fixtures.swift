import Foundation
import ScanModel
import Testing
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
            .wrongEvent: "Wrong show: this ticket is for Morning Matinee, Sun 1 Jun 10:00, not main-tonight",
            .notYetValid: "Not yet: doors open 19:00 (The Usher Gala, Thu 19 Nov)",
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
            eventName: hasSeat ? (reason == .wrongEvent ? "Morning Matinee" : "The Usher Gala") : nil, checkedInAt: nil,
            replayed: false, scanID: "s")
    }

    /// A door that has scanned `code` and got `report` back.
    static func door(
        showing report: ScanReport, width: Int = 80, height: Int = 24, ascii: Bool = false, color: Bool = true
    ) -> DoorState {
        var settings = settings(ascii: ascii, color: color)
        // Only a door pinned to one show says WRONG_EVENT: draw it at one.
        if report.verdict.reason == .wrongEvent { settings.eventID = "main-tonight" }
        var door = newDoor(settings: settings, width: width, height: height)
        _ = door.update(.connection(ConnectionState(status: .online, lastLatency: .microseconds(1800))))
        _ = scan(&door, "U1.CODE")
        _ = Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .success(report), latency: .milliseconds(4), at: start)
        return door
    }

    /// The main hall's events: the gala's window is open.
    static let schedule = HallSchedule(
        hallID: "main", hallName: "Main Hall",
        events: [
            EventWindow(
                eventID: "main-tonight", hallID: "main", name: "The Usher Gala", doorsAt: now.addingTimeInterval(-5400),
                startsAt: now.addingTimeInterval(-3600), endsAt: now.addingTimeInterval(7200))
        ],
        asOf: now)

    /// A fresh door that knows its hall's events (answered at `start`, so the next
    /// ask is 30 s later).
    static func newDoor(settings: DoorSettings = settings(), width: Int = 80, height: Int = 24) -> DoorState {
        var door = DoorState(settings: settings, width: width, height: height, now: now, session: "scan")
        _ = door.update(.schedule(.success(schedule), at: start))
        return door
    }

    /// The checks among `effects`, as "admit CODE" / "verify CODE".
    static func checks(_ effects: [DoorEffect]) -> [String] {
        effects.compactMap { effect in
            guard case .check(let scan, let admit) = effect else { return nil }
            return "\(admit ? "admit" : "verify") \(scan.code)"
        }
    }

    /// The answer to the scan of `code` that is in flight.
    @discardableResult
    static func answer(
        _ door: inout DoorState, code: String, admission: Bool, outcome: Result<ScanReport, CallFailure>,
        latency: Duration, at instant: ContinuousClock.Instant
    ) -> [DoorEffect] {
        guard let scan = door.scans.inFlight.values.first(where: { $0.code == code }) else {
            Issue.record("no scan of \(code) in flight")
            return []
        }
        return door.update(.checked(scanID: scan.id, admission: admission, outcome: outcome, latency: latency, at: instant))
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

    /// A key typed alone, `seconds` after ``start``: resolved by the scanner detector
    /// after its idle gap.
    @discardableResult
    static func type(_ c: Character, on door: inout DoorState, at seconds: Int) -> [DoorEffect] {
        let at = start + .seconds(seconds)
        return door.update(.key(.character(c), at: at)) + door.update(.tick(now: door.now, at: at + .milliseconds(500)))
    }
}
