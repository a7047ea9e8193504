import Foundation
import UsherCore

/// A scan decided by the door itself, as journaled: the same verdict the server's
/// rules give, plus what the offline marker and the upload need.
public struct OfflineDecision: Sendable, Hashable {
    public var scanID: String
    public var verdict: ScanVerdict
    /// The seat, event and hall the code names; nil when the code did not verify.
    public var seatID: String?
    public var eventID: String?
    public var hallID: String?
    /// The event's name as synced (or its id, for an event the store has not seen).
    public var eventName: String?
    /// The code verified but the store had no such seat: admitted on its signed claims.
    public var seatUnsynced: Bool
    /// The terminal's clock when the scan was decided.
    public var scannedAt: Date
    /// Terminal clock minus server clock as of the last sync, at the moment of the scan.
    public var clockSkew: TimeInterval
    /// True when this scan id was already journaled and this is its stored decision.
    public var replayed: Bool
    /// The store's copy of the seat, for where it is (section, row, number); nil
    /// when the code named no seat the store knows. Not journaled: a replay reads it again.
    public var seat: DoorSeat?

    public init(
        scanID: String, verdict: ScanVerdict, seatID: String?, eventID: String?, hallID: String?, eventName: String?,
        seatUnsynced: Bool, scannedAt: Date, clockSkew: TimeInterval, replayed: Bool, seat: DoorSeat? = nil
    ) {
        self.scanID = scanID
        self.verdict = verdict
        self.seatID = seatID
        self.eventID = eventID
        self.hallID = hallID
        self.eventName = eventName
        self.seatUnsynced = seatUnsynced
        self.scannedAt = scannedAt
        self.clockSkew = clockSkew
        self.replayed = replayed
        self.seat = seat
    }

    public var result: ScanResult { verdict.result }

    /// What the upload sends with the scan.
    public var offline: OfflineScan {
        OfflineScan(scannedAt: scannedAt, clockSkew: clockSkew, shownResult: verdict.result)
    }

    /// The decision as the door screen takes a server's answer, marked offline. The
    /// seat carries no owner: a door never holds one.
    public func report(hallName: String? = nil) -> ScanReport {
        let shown = seat.map { seat in
            Seat(
                seatID: seat.seatID, eventID: seat.eventID, hallID: hallID ?? "", section: seat.section, row: seat.row,
                number: seat.number, state: seat.state, updatedAt: scannedAt, revision: seat.revision,
                ticketSerial: seat.ticketSerial)
        }
        return ScanReport(
            verdict: verdict, seat: shown, hallName: hallName, eventName: eventName,
            checkedInAt: verdict.result == .success ? scannedAt : nil, replayed: replayed, scanID: scanID,
            offline: OfflineMark(seatUnsynced: seatUnsynced))
    }
}
