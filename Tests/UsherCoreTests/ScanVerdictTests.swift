import Foundation
import Testing
import UsherCore

@Suite("Scan verdicts")
struct ScanVerdictTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let checkIn = CheckIn(at: Date(timeIntervalSince1970: 1_799_999_000), terminalID: "door-3", staffID: "s9")

    func subject(_ state: SeatState, hall: String = "main", endsIn: TimeInterval = 3600, serial: Int64 = 1) -> ScanSubject {
        ScanSubject(seatID: "seat-1", hallID: hall, eventEndsAt: now.addingTimeInterval(endsIn), state: state, ticketSerial: serial)
    }

    func decide(_ lookup: TicketLookup, door: String = "main", action: ScanAction = .admit) -> ScanVerdict {
        ScanVerdict.decide(lookup, doorHallID: door, now: now, action: action)
    }

    @Test func everyVerdict() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.unreadable(.malformed)).result == .notFound)
        #expect(decide(.unreadable(.badSignature)).reason == .badSignature)
        #expect(decide(.unknownSeat).reason == .unknownSeat)
        #expect(decide(.found(subject(sold, hall: "studio"), codeSerial: nil)).result == .wrongHall)
        #expect(decide(.found(subject(sold, endsIn: -1), codeSerial: nil)).result == .expired)
        #expect(decide(.found(subject(.available), codeSerial: nil)).reason == .notSold)
        #expect(decide(.found(subject(.held(by: "x", until: now.addingTimeInterval(60))), codeSerial: nil)).reason == .holdNotPaid)
        #expect(decide(.found(subject(.held(by: "x", until: now.addingTimeInterval(-60))), codeSerial: nil)).reason == .notSold)
        let duplicate = decide(.found(subject(.checkedIn(owner: "bob", orderID: "o", checkIn: checkIn)), codeSerial: nil))
        #expect(duplicate.result == .duplicate)
        #expect(duplicate.firstCheckIn == checkIn)
        #expect(duplicate.message.contains("door-3"))
        #expect(duplicate.message.contains(Timestamps.utc(checkIn.at)))
        #expect(decide(.found(subject(sold), codeSerial: nil)).result == .success)
    }

    @Test func revokedSerialIsNotFound() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        let verdict = decide(.found(subject(sold, serial: 2), codeSerial: 1))
        #expect(verdict.result == .notFound)
        #expect(verdict.reason == .revokedByTransfer)
        #expect(decide(.found(subject(sold, serial: 2), codeSerial: 2)).result == .success)
    }

    /// The order is NOT_FOUND → WRONG_HALL → EXPIRED → UNPAID → DUPLICATE → SUCCESS:
    /// a ticket that fails several checks gets the earliest one.
    @Test func orderPrefersEarlierChecks() {
        let used = SeatState.checkedIn(owner: "bob", orderID: "o", checkIn: checkIn)
        // wrong hall beats expired, unpaid and duplicate
        #expect(decide(.found(subject(used, hall: "studio", endsIn: -1), codeSerial: nil)).result == .wrongHall)
        #expect(decide(.found(subject(.available, hall: "studio", endsIn: -1), codeSerial: nil)).result == .wrongHall)
        // expired beats unpaid and duplicate
        #expect(decide(.found(subject(used, endsIn: -1), codeSerial: nil)).result == .expired)
        #expect(decide(.found(subject(.available, endsIn: -1), codeSerial: nil)).result == .expired)
        // revoked (not found) beats wrong hall
        #expect(decide(.found(subject(used, hall: "studio", serial: 5), codeSerial: 4)).result == .notFound)
    }

    @Test func eventEndingExactlyNowIsExpired() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold, endsIn: 0), codeSerial: nil)).result == .expired)
    }

    @Test func everyReasonBelongsToOneResult() {
        for result in ScanResult.allCases {
            #expect(ScanReason.allCases.contains { $0.result == result }, "no reason maps to \(result)")
        }
    }

    @Test func messagesDifferForVerifyAndAdmit() {
        let sold = SeatState.sold(owner: "bob", orderID: "o")
        #expect(decide(.found(subject(sold), codeSerial: nil), action: .admit).message.hasPrefix("Admitted"))
        #expect(decide(.found(subject(sold), codeSerial: nil), action: .verify).message.hasPrefix("Valid"))
    }
}
