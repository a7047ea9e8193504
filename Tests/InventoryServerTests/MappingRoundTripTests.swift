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

    /// A newer server's reason this build does not know: the verdict still reads as
    /// its result, with the server's own words; a verdict with no reason at all, or
    /// a result that contradicts the reason, is refused.
    @Test(arguments: Inventory_ScanResult.allCases.filter { $0 != .unspecified })
    func anUnknownReasonReadsAsItsResult(result: Inventory_ScanResult) throws {
        var response = Inventory_MarkCheckedInResponse()
        response.result = result
        response.reason = .UNRECOGNIZED(99)
        response.message = "Admitted under a rule from the future"
        let report = try ScanReport(response, scanID: "s")
        #expect(Inventory_ScanResult(report.result) == result)
        #expect(report.verdict.message == "Admitted under a rule from the future")
        response.reason = .unspecified
        #expect(throws: InventoryClientError.self) { try ScanReport(response, scanID: "s") }
        response.reason = result == .success ? .alreadyCheckedIn : .valid
        #expect(throws: InventoryClientError.self) { try ScanReport(response, scanID: "s") }
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

    /// What an offline door stores crosses whole: keys, windows, and every seat
    /// status with its serial and first check-in.
    @Test func aDoorSyncCrossesWhole() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let key = TicketSigningKey.generate().verificationKey
        let event = EventWindow(
            eventID: "gala", hallID: "main", name: "Gala", doorsAt: now, startsAt: now.addingTimeInterval(3600),
            endsAt: now.addingTimeInterval(7200))
        var seats = SeatStatus.allCases.enumerated().map { index, status in
            DoorSeat(
                seatID: "gala.stalls.A.\(index)", eventID: "gala", section: "Stalls", row: "A", number: index, status: status, ticketSerial: Int64(index * 7),
                heldUntil: status == .held ? now : nil,
                checkIn: status == .checkedIn ? CheckIn(at: now, terminalID: "door-3", staffID: "s-3") : nil,
                revision: Int64(index + 1))
        }
        // A guest who stepped out: the door lets them back in offline.
        seats.append(
            DoorSeat(
                seatID: "gala.stalls.B.1", eventID: "gala", section: "Stalls", row: "B", number: 1, status: .checkedIn,
                ticketSerial: 2, checkIn: CheckIn(at: now, terminalID: "door-3", staffID: "s-3"), revision: 9,
                outsideSince: now.addingTimeInterval(600)))
        let sync = DoorSync(
            hallID: "main", hallName: "Main Hall", keys: [key], events: [event], seats: seats, cursor: 991, isComplete: true,
            serverTime: now)
        let back = try DoorSync(Inventory_SyncDoorResponse(sync, signing: key.keyID))
        #expect(back == sync)
    }

    /// Inside now and each door's traffic reach the supervisor as counted; so does a
    /// door's override lock, and a seat's time outside.
    @Test func occupancyDoorsAndOutsideCrossWhole() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let hall = HallOccupancy(
            hallID: "main", hallName: "Main Hall", eventID: "gig", eventName: "Gig", doorsAt: now, startsAt: now,
            endsAt: now.addingTimeInterval(3600), capacity: 10, available: 2, held: 1, sold: 3, checkedIn: 4,
            admissionsPerMinute: Array(repeating: 1, count: 15), insideNow: 3,
            doorFlows: [DoorFlow(terminalID: "door-1", entries: 5, exits: 0), DoorFlow(terminalID: "door-x", entries: 0, exits: 2)])
        let report = OccupancyReport(halls: [hall], asOf: now)
        #expect(OccupancyReport(Inventory_GetHallOccupancyResponse(report)) == report)

        let board = DoorBoard(
            doors: [
                DoorStatus(
                    terminalID: "door-1", hallID: "main", lastSyncAt: now, report: nil, overridesLockedUntil: now.addingTimeInterval(300))
            ], serverTime: now)
        #expect(DoorBoard(Inventory_ListDoorsResponse(board)) == board)

        let out = Seat(
            seatID: "gig.floor.A.1", eventID: "gig", hallID: "main", section: "Floor", row: "A", number: 1,
            state: .checkedIn(owner: "ann", orderID: "", checkIn: CheckIn(at: now, terminalID: "door-1", staffID: "")),
            updatedAt: now, revision: 3, ticketSerial: 0, outsideSince: now.addingTimeInterval(60))
        #expect(try Seat(Inventory_Seat(out)).outsideSince == out.outsideSince)
    }

    @Test func aConflictCrossesWhole() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for first in [CheckIn(at: now, terminalID: "door-5", staffID: ""), nil] {
            let conflict = ScanConflict(
                id: 12, seatID: "gala.stalls.B.12", hallID: "main", eventID: "gala", first: first,
                offlineAt: now.addingTimeInterval(60), offlineTerminalID: "door-2",
                serverReason: first == nil ? .notSold : .offlineConflict, message: "Seat B-12: …",
                recordedAt: now.addingTimeInterval(90), acknowledgedAt: first == nil ? now : nil,
                acknowledgedBy: first == nil ? "sup-1" : nil, scanID: "door-2-offline-1")
            #expect(try ScanConflict(Inventory_ScanConflict(conflict)) == conflict)
        }
    }

    @Test func everyShownVerdictOfAnUploadCrosses() {
        for result in ScanResult.allCases {
            #expect(ScanResult(shownAtDoor: Inventory_ScanResult(shownAtDoor: result)) == result)
        }
        #expect(ScanResult(shownAtDoor: .unspecified) == nil)
    }
}
