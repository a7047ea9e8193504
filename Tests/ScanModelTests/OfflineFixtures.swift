import Foundation
import ScanModel
import Testing
import UsherCore

/// Offline doors and conflicts, fixed so screens are the same on every machine.
enum OfflineFixtures {
    /// The door's answer to a scan it decided itself.
    static func report(_ reason: ScanReason = .valid, seatUnsynced: Bool = false) -> ScanReport {
        var report = Fixtures.report(reason)
        report.offline = OfflineMark(seatUnsynced: seatUnsynced)
        report.logID = nil
        // A door holds no owners: its seat state carries an empty one.
        if case .checkedIn(_, _, let checkIn)? = report.seat?.state {
            report.seat?.state = .checkedIn(owner: "", orderID: "", checkIn: checkIn)
        } else if report.seat?.state.ownerUserID != nil {
            report.seat?.state = .sold(owner: "", orderID: "")
        }
        if seatUnsynced {
            // Sold after the last sync: the store has no row, the code's claims decide.
            report.seat = nil
            report.hallName = nil
            report.verdict.message = "Admitted offline on the code: seat main-tonight.stalls.A.12"
        } else if reason == .valid {
            report.verdict.message = "Admitted offline: seat main-tonight.stalls.A.12"
        }
        return report
    }

    /// Synced 40 s before the fixtures' now, with a clock `skew` seconds ahead.
    static func synced(skew: TimeInterval = 0.4) -> DoorSyncStatus {
        DoorSyncStatus(lastSyncAt: Fixtures.now.addingTimeInterval(-40), clockSkew: skew, seats: 1200)
    }

    /// A door that went offline because the server stopped answering, after a
    /// sync, with `pending` offline scans to upload and `goodProbes` good probes.
    static func offlineDoor(
        ascii: Bool = false, color: Bool = true, pending: Int = 12, goodProbes: Int = 1
    ) -> DoorState {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii, color: color))
        _ = door.update(.connection(ConnectionState(status: .offline)))
        _ = door.update(.synced(.success(synced())))
        door.link.callUnanswered(why: "server unreachable at 127.0.0.1:50051", at: Fixtures.now.addingTimeInterval(-25))
        for i in 0..<goodProbes { _ = door.update(.probed(ok: true, at: Fixtures.start + .seconds(i))) }
        _ = door.update(.journal(JournalStatus(pending: pending, conflicts: 0)))
        return door
    }

    /// An offline door showing the verdict of a scan the server did not answer,
    /// decided again locally.
    static func offlineVerdict(_ report: ScanReport, ascii: Bool = false, color: Bool = true) -> DoorState {
        var door = Fixtures.newDoor(settings: Fixtures.settings(ascii: ascii, color: color))
        _ = door.update(.connection(ConnectionState(status: .offline)))
        _ = door.update(.synced(.success(synced())))
        _ = Fixtures.scan(&door, "U1.CODE")
        let failure = CallFailure(.unanswered, "server unreachable at 127.0.0.1:50051")
        let effects = Fixtures.answer(&door, code: "U1.CODE", admission: true, outcome: .failure(failure), latency: .seconds(1), at: Fixtures.start)
        guard case .checkOffline(let scan)? = effects.first else {
            Issue.record("not decided offline: \(effects)")
            return door
        }
        _ = door.update(.journal(JournalStatus(pending: 1, conflicts: 0)))
        _ = door.update(
            .checked(scanID: scan.id, admission: true, outcome: .success(report), latency: .microseconds(800), at: Fixtures.start))
        return door
    }

    static func conflict(id: Int64, seat: String, message: String, recordedSecondsAgo: TimeInterval) -> ScanConflict {
        ScanConflict(
            id: id, seatID: seat, hallID: "main", eventID: "gala",
            first: CheckIn(at: Fixtures.now.addingTimeInterval(-600), terminalID: "door-5", staffID: "bob"),
            offlineAt: Fixtures.now.addingTimeInterval(-660), offlineTerminalID: "door-2", serverReason: .offlineConflict,
            message: message, recordedAt: Fixtures.now.addingTimeInterval(-recordedSecondsAgo), scanID: "s-\(id)")
    }

    /// Two unacknowledged conflicts, listed oldest first (the model orders them).
    static let conflicts = [
        conflict(
            id: 7, seat: "gala.stalls.C.3",
            message: "Seat C-3: admitted at door-2 10:02 (offline), but the server says UNPAID: the seat is on hold",
            recordedSecondsAgo: 300),
        conflict(
            id: 9, seat: "gala.stalls.B.12", message: "Seat B-12: admitted at door-2 10:03 (offline) and door-5 10:04",
            recordedSecondsAgo: 60),
    ]
}
