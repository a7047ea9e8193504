import Foundation
import ScanModel
import Testing
import UsherCore

/// The door switches to offline by itself when a check gets no answer, decides the
/// guest in front of it locally as the same scan, and comes back after good probes.
@Suite("Offline door")
struct OfflineDoorTests {
    let start = Fixtures.start
    static let unanswered = CallFailure(.unanswered, "deadline exceeded after 1.5 s")

    func sent(_ effects: [DoorEffect]) -> Scan? {
        effects.lazy.compactMap { if case .check(let scan, _) = $0 { scan } else { nil } }.first
    }

    func sentOffline(_ effects: [DoorEffect]) -> Scan? {
        effects.lazy.compactMap { if case .checkOffline(let scan) = $0 { scan } else { nil } }.first
    }

    @discardableResult
    func fail(_ door: inout DoorState, _ scan: Scan, _ failure: CallFailure = unanswered, admission: Bool = true) -> [DoorEffect] {
        door.update(.checked(scanID: scan.id, admission: admission, outcome: .failure(failure), latency: .seconds(1), at: start + .seconds(2)))
    }

    @discardableResult
    func decide(_ door: inout DoorState, _ scan: Scan, _ report: ScanReport) -> [DoorEffect] {
        door.update(.checked(scanID: scan.id, admission: true, outcome: .success(report), latency: .milliseconds(1), at: start + .seconds(2)))
    }

    @Test func noAnswerForTheGuestInFrontGoesOfflineAndDecidesTheSameScan() throws {
        var door = Fixtures.newDoor()
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")))
        let effects = fail(&door, scan)
        #expect(effects == [.checkOffline(scan)], "same id, same code, decided locally at once")
        #expect(door.link.isOffline && door.link.offlineWhy == Self.unanswered.message)
        guard case .checking(let shown) = door.banner else {
            Issue.record("the guest sees \(door.banner), not CHECKING")
            return
        }
        #expect(shown == scan)
        #expect(door.inFlight == 1 && door.recent.first?.state == .checking)
        #expect(!door.render().text.contains("NOT CHECKED"))

        decide(&door, scan, OfflineFixtures.report())
        guard case .verdict(let report, true, _) = door.banner else {
            Issue.record("not admitted: \(door.banner)")
            return
        }
        #expect(report.offline != nil)
        #expect(door.admitted == 1 && door.recent.count == 1)
        #expect(door.recent.first?.offline == true && door.recent.first?.result == .success)
        // Decided: the code read again is a new scan (a local DUPLICATE), still offline.
        let again = try #require(sentOffline(Fixtures.scan(&door, "U1.A", at: start + .seconds(5))))
        #expect(again.id != scan.id)
    }

    @Test func anOlderScansFailureDoesNotStealTheBanner() throws {
        var door = Fixtures.newDoor()
        let a = try #require(sent(Fixtures.scan(&door, "U1.A")))
        let b = try #require(sent(Fixtures.scan(&door, "U1.B", at: start + .seconds(1))))
        #expect(fail(&door, a).isEmpty, "A's guest has gone in or away: nothing to decide now")
        #expect(door.link.isOffline, "the server did not answer: the door is offline all the same")
        guard case .checking(let shown) = door.banner else {
            Issue.record("the banner left B: \(door.banner)")
            return
        }
        #expect(shown == b)
        #expect(door.recent.first { $0.scanID == a.id }?.state == .notChecked)
        // B's own failure re-decides B.
        #expect(fail(&door, b) == [.checkOffline(b)])
    }

    @Test func readsWhileOfflineAreDecidedLocally() throws {
        var door = OfflineFixtures.offlineDoor()
        let effects = Fixtures.scan(&door, "U1.A")
        #expect(Fixtures.checks(effects).isEmpty, "nothing goes to the server")
        let scan = try #require(sentOffline(effects))
        #expect(scan.code == "U1.A" && door.inFlight == 1)
        #expect(sentOffline(Fixtures.scan(&door, "U1.A", at: start + .seconds(1))) == nil, "a double fire joins the scan in flight")
    }

    @Test func confirmModeAdmitsAtOnceOffline() throws {
        var door = OfflineFixtures.offlineDoor()
        door.mode = .confirm
        let scan = try #require(sentOffline(Fixtures.scan(&door, "U1.A")))
        #expect(door.render().lines[0].contains("CONFIRM paused offline"))
        decide(&door, scan, OfflineFixtures.report())
        guard case .verdict(_, true, _) = door.banner else {
            Issue.record("no admission: \(door.banner)")
            return
        }
    }

    @Test func aPreviewConfirmedWhileOfflineIsDecidedLocally() throws {
        var door = Fixtures.newDoor()
        door.mode = .confirm
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")))
        _ = door.update(.checked(scanID: scan.id, admission: false, outcome: .success(Fixtures.report(.valid)), latency: .zero, at: start))
        door.link.callUnanswered(why: "another scan got no answer", at: Fixtures.now)
        #expect(door.update(.key(.enter, at: start + .seconds(1))) == [.checkOffline(scan)])
    }

    @Test func forcedOnlineKeepsNotChecked() throws {
        var door = Fixtures.newDoor()
        door.link = DoorLink(force: .forcedOnline)
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")))
        #expect(fail(&door, scan) == [.bell(.attention)])
        guard case .unchecked = door.banner else {
            Issue.record("expected NOT CHECKED: \(door.banner)")
            return
        }
        #expect(!door.link.isOffline)
        #expect(door.render().text.contains("forced online: f for automatic"))
    }

    @Test func fPinsTheDoorOfflineAndBack() throws {
        var door = Fixtures.newDoor()
        _ = door.update(.key(.character("f"), at: start))
        _ = door.update(.tick(now: Fixtures.now, at: start + .milliseconds(500)))
        #expect(door.link.force == .forcedOffline && door.link.isOffline)
        #expect(door.render().text.contains("forced: f for automatic"))
        #expect(sentOffline(Fixtures.scan(&door, "U1.A", at: start + .seconds(1))) != nil)
        _ = door.update(.key(.character("f"), at: start + .seconds(2)))
        _ = door.update(.tick(now: Fixtures.now, at: start + .seconds(3)))
        #expect(door.link.force == nil)
        #expect(Keymap.helpLines(for: .door, viewsEnabled: false).contains { $0.hasPrefix("f ") }, "f is in the help")
    }

    @Test func threeGoodProbesSendScansToTheServerAgain() throws {
        var door = OfflineFixtures.offlineDoor(pending: 0, goodProbes: 0)
        _ = door.update(.probed(ok: true, at: start))
        _ = door.update(.probed(ok: true, at: start + .seconds(1)))
        #expect(door.render().text.contains("back online after 3 good checks (2/3)"))
        _ = door.update(.probed(ok: true, at: start + .seconds(2)))
        #expect(!door.link.isOffline)
        #expect(sent(Fixtures.scan(&door, "U1.A", at: start + .seconds(3))) != nil)
    }

    /// The local store cannot decide (never synced): NOT CHECKED, and a scan that had
    /// gone unanswered online stays retryable under its own id.
    @Test func aLocalDecisionThatCannotBeMadeIsNotChecked() throws {
        var door = Fixtures.newDoor()
        let scan = try #require(sent(Fixtures.scan(&door, "U1.A")))
        fail(&door, scan)
        let effects = fail(&door, scan, CallFailure(.failed, "this door has never synced: it cannot check offline"))
        #expect(effects == [.bell(.attention)])
        guard case .unchecked(let message) = door.banner else {
            Issue.record("expected NOT CHECKED: \(door.banner)")
            return
        }
        #expect(message.contains("never synced"))
        #expect(door.inFlight == 0)
        let retry = try #require(sentOffline(Fixtures.scan(&door, "U1.A", at: start + .seconds(5))))
        #expect(retry.id == scan.id, "the server may have admitted it: same scan_id")
    }

    /// A runner that wrongly reports a local decision as unanswered must not make the
    /// door ask itself again and again.
    @Test func aLocalFailureNeverLoops() throws {
        var door = OfflineFixtures.offlineDoor()
        let scan = try #require(sentOffline(Fixtures.scan(&door, "U1.A")))
        let effects = fail(&door, scan)
        #expect(sentOffline(effects) == nil)
        guard case .unchecked = door.banner else {
            Issue.record("expected NOT CHECKED: \(door.banner)")
            return
        }
    }

    @Test func syncAndJournalReachTheScreen() {
        var door = OfflineFixtures.offlineDoor(pending: 0)
        #expect(door.sync == OfflineFixtures.synced())
        #expect(door.render().text.contains("last sync 11:06:00 (40 s ago)"))
        _ = door.update(.journal(JournalStatus(pending: 3, conflicts: 0)))
        #expect(door.journal.pending == 3)
        #expect(door.render().text.contains("3 to upload"))
        // A failed sync keeps the last copy.
        _ = door.update(.synced(.failure(CallFailure(.unanswered, "x"))))
        #expect(door.sync == OfflineFixtures.synced())
        // The server is back: the door stays offline until its scans are up (the
        // server does not know them yet), and says so; conflicts are reported.
        for i in 0..<3 { _ = door.update(.probed(ok: true, at: start + .seconds(i))) }
        _ = door.update(.journal(JournalStatus(pending: 2, conflicts: 1)))
        #expect(door.link.isOffline)
        let waiting = door.render().text
        #expect(waiting.contains("· 2 to upload · 1 co"), "\(waiting)")
        #expect(waiting.contains("server back: online once the offline scans are uploaded"), "\(waiting)")
        // Only a row the server refused is left: that does not hold the door back.
        _ = door.update(.journal(JournalStatus(pending: 1, conflicts: 1, refused: 1)))
        #expect(!door.link.isOffline)
        let status = door.render().lines[22]
        #expect(status.contains("uploading 1 offline scan · 1 conflict sent to supervisors · 1 refused"), "\(status)")
        _ = door.update(.journal(JournalStatus(pending: 0, conflicts: 0)))
        #expect(!door.render().text.contains("uploading"))
    }

    @Test func neverSyncedSaysSo() {
        var door = Fixtures.newDoor()
        door.link.callUnanswered(why: "x", at: Fixtures.now)
        #expect(door.render().text.contains("OFFLINE: checking locally · never synced"))
    }

    @Test(arguments: [
        (30.0, nil),
        (-30.0, nil),
        (30.5, "CLOCK: this terminal is 31 s ahead of the server"),
        (120.0, "CLOCK: this terminal is 2 min 0 s ahead of the server"),
        (-95.0, "CLOCK: this terminal is 1 min 35 s behind the server"),
    ] as [(TimeInterval, String?)])
    func theClockWarningStartsBeyond30Seconds(skew: TimeInterval, warning: String?) {
        var door = Fixtures.newDoor()
        _ = door.update(.synced(.success(OfflineFixtures.synced(skew: skew))))
        #expect(door.clockWarning == warning)
        let text = door.render().text
        #expect(text.contains("CLOCK:") == (warning != nil))
        if let warning { #expect(text.contains(warning)) }
    }

    @Test func theClockWarningShowsOfflineToo() {
        var door = OfflineFixtures.offlineDoor()
        _ = door.update(.synced(.success(OfflineFixtures.synced(skew: -120))))
        #expect(door.render().text.contains("CLOCK: this terminal is 2 min 0 s behind the server"))
    }
}

@Suite("Scan identity offline")
struct ScanBookOfflineTests {
    let t0 = Fixtures.now

    @Test func aScanDecidedAgainIsInFlightUnderItsID() throws {
        var book = ScanBook(session: "s")
        guard case .send(let scan, _) = book.read("U1.A", at: t0) else { Issue.record("not sent"); return }
        #expect(book.finished(scan.id, answered: false, admission: true, at: t0) == scan)
        book.redecide(scan)
        #expect(book.inFlight[scan.id] == scan)
        #expect(book.read("U1.A", at: t0 + 1) == .alreadyInFlight(scan))
        // Decided: the next read is a new scan.
        #expect(book.finished(scan.id, answered: true, admission: true, at: t0 + 2) == scan)
        guard case .send(let next, _) = book.read("U1.A", at: t0 + 3) else { Issue.record("not sent"); return }
        #expect(next.id != scan.id)
    }

    @Test func anUndecidedScanKeepsItsRetry() throws {
        var book = ScanBook(session: "s")
        guard case .send(let scan, _) = book.read("U1.A", at: t0) else { Issue.record("not sent"); return }
        _ = book.finished(scan.id, answered: false, admission: true, at: t0)
        book.redecide(scan)
        #expect(book.finishedUndecided(scan.id) == scan)
        #expect(book.inFlight.isEmpty)
        #expect(book.finishedUndecided(scan.id) == nil, "not in flight any more")
        guard case .send(let retry, let admit) = book.read("U1.A", at: t0 + 60) else { Issue.record("not sent"); return }
        #expect(retry.id == scan.id && admit)
        // A scan never sent to the server has no retry to keep.
        guard case .send(let fresh, _) = book.read("U1.B", at: t0) else { Issue.record("not sent"); return }
        _ = book.finishedUndecided(fresh.id)
        guard case .send(let again, _) = book.read("U1.B", at: t0 + 1) else { Issue.record("not sent"); return }
        #expect(again.id != fresh.id)
    }
}
