import Foundation
import InventoryProto
import Testing
import UsherCore

@testable import InventoryClient
@testable import InventoryService
@testable import InventoryStore

/// The server maps domain → wire (ProtoMapping), the client wire → domain
/// (DomainMapping). Every case goes across and back, both ways round, so a reason,
/// result or seat state added on one side and forgotten on the other fails here.
@Suite("Wire mappings round trip")
struct MappingRoundTripTests {
    @Test func everyReasonResultAndSeatStatus() throws {
        for reason in ScanReason.allCases {
            #expect(try ScanReason(Inventory_ScanReason(reason)) == reason, "\(reason)")
        }
        for wire in Inventory_ScanReason.allCases where wire != .unspecified {
            #expect(Inventory_ScanReason(try ScanReason(wire)) == wire, "\(wire)")
        }
        for result in ScanResult.allCases {
            #expect(try ScanResult(Inventory_ScanResult(result)) == result, "\(result)")
        }
        for wire in Inventory_ScanResult.allCases where wire != .unspecified {
            #expect(Inventory_ScanResult(try ScanResult(wire)) == wire, "\(wire)")
        }
        for status in SeatStatus.allCases {
            #expect(try SeatStatus(Inventory_SeatStatus(status)) == status, "\(status)")
        }
        for wire in Inventory_SeatStatus.allCases where wire != .unspecified {
            #expect(Inventory_SeatStatus(try SeatStatus(wire)) == wire, "\(wire)")
        }
    }

    /// A whole answer for every reason: what the server sends is what the door reads.
    @Test(arguments: ScanReason.allCases)
    func everyVerdictCrossesWhole(reason: ScanReason) throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let checkIn = CheckIn(at: now, terminalID: "door-2", staffID: "s")
        let seat = Seat(
            seatID: "gala.stalls.A.1", eventID: "gala", hallID: "main", section: "Stalls", row: "A", number: 1,
            state: reason == .alreadyCheckedIn ? .checkedIn(owner: "ann", orderID: "o", checkIn: checkIn) : .sold(owner: "ann", orderID: "o"),
            updatedAt: now, revision: 4, ticketSerial: 1)
        let outcome = ScanReport(
            verdict: ScanVerdict(reason: reason, firstCheckIn: reason == .alreadyCheckedIn ? checkIn : nil, message: "m"),
            seat: seat, hallName: "Main Hall", eventName: "Gala", checkedInAt: reason == .valid ? now : nil,
            replayed: reason == .valid, scanID: "scan-1", logID: 7)
        let report = try ScanReport(Inventory_MarkCheckedInResponse(outcome), scanID: "scan-1")
        #expect(report.verdict.reason == reason && report.verdict.message == "m")
        // The wire carries when and where a ticket was first used, not who scanned it.
        #expect(report.verdict.firstCheckIn?.at == outcome.verdict.firstCheckIn?.at)
        #expect(report.verdict.firstCheckIn?.terminalID == outcome.verdict.firstCheckIn?.terminalID)
        #expect(report.seat?.seatID == seat.seatID && report.seat?.status == seat.status)
        #expect(report.checkedInAt == outcome.checkedInAt && report.replayed == outcome.replayed)
        #expect(report.logID == 7 && report.scanID == "scan-1")
        #expect(report.hallName == "Main Hall" && report.eventName == "Gala")
    }
}
