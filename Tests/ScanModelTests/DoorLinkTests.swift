import Foundation
import ScanModel
import Testing

/// The online/offline switch, transition by transition.
@Suite("Door link")
struct DoorLinkTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func startsOnlineAndAutomatic() {
        let link = DoorLink()
        #expect(link.state == .online && link.force == nil && !link.isOffline && link.goodProbes == 0)
    }

    @Test func aCheckWithoutAnAnswerGoesOffline() {
        var link = DoorLink()
        #expect(link.callUnanswered(why: "deadline exceeded", at: t0) == .wentOffline)
        #expect(link.state == .offline(since: t0, why: "deadline exceeded"))
        #expect(link.callUnanswered(why: "UNAVAILABLE", at: t0 + 5) == nil, "already offline")
        #expect(link.offlineSince == t0 && link.offlineWhy == "deadline exceeded", "since the first failure")
    }

    /// Good probes are not enough while this door's offline scans are still going up:
    /// the server does not know them yet. Refused rows do not hold it back.
    @Test func backOnlineOnlyOnceTheJournalIsUploaded() {
        var link = DoorLink()
        link.callUnanswered(why: "deadline exceeded", at: t0)
        #expect(link.journalChanged(JournalStatus(pending: 40, conflicts: 0)) == nil)
        for i in 0..<3 { #expect(link.probed(ok: true, at: t0 + Double(i)) == nil) }
        #expect(link.isOffline && link.waitsForUploads)
        #expect(link.journalChanged(JournalStatus(pending: 2, conflicts: 1, refused: 1)) == nil, "one still to go")
        #expect(link.journalChanged(JournalStatus(pending: 1, conflicts: 1, refused: 1)) == .wentOnline, "only the refused one left")
        #expect(!link.isOffline && !link.waitsForUploads)
    }

    @Test func probesOnlineNeverGoOffline() {
        var link = DoorLink()
        for i in 0..<10 { #expect(link.probed(ok: false, at: t0 + Double(i)) == nil) }
        #expect(link.state == .online, "a blip between scans costs nothing")
        #expect(link.probed(ok: true, at: t0) == nil)
        #expect(link.goodProbes == 0, "only counted offline")
    }

    @Test func threeGoodProbesInARowComeBack() {
        var link = DoorLink()
        link.callUnanswered(why: "x", at: t0)
        #expect(link.probed(ok: true, at: t0 + 1) == nil)
        #expect(link.probed(ok: true, at: t0 + 2) == nil)
        #expect(link.goodProbes == 2 && link.isOffline)
        #expect(link.probed(ok: false, at: t0 + 3) == nil)
        #expect(link.goodProbes == 0, "a bad probe starts the count again")
        #expect(link.probed(ok: true, at: t0 + 4) == nil)
        #expect(link.probed(ok: true, at: t0 + 5) == nil)
        #expect(link.probed(ok: true, at: t0 + 6) == .wentOnline)
        #expect(link.state == .online && link.goodProbes == 0)
    }

    @Test func anUnansweredCheckWhileReturningStartsTheCountAgain() {
        var link = DoorLink()
        link.callUnanswered(why: "x", at: t0)
        link.probed(ok: true, at: t0 + 1)
        link.probed(ok: true, at: t0 + 2)
        link.callUnanswered(why: "y", at: t0 + 3)
        #expect(link.goodProbes == 0)
        #expect(link.probed(ok: true, at: t0 + 4) == nil)
    }

    @Test func forcedOfflineNeverReturnsByProbes() {
        var link = DoorLink()
        #expect(link.toggleForce(at: t0) == .wentOffline)
        #expect(link.force == .forcedOffline && link.isOffline)
        for i in 0..<5 { #expect(link.probed(ok: true, at: t0 + Double(i)) == nil) }
        #expect(link.isOffline)
        // Given back to the automatic switch after good probes all along: online at once.
        #expect(link.toggleForce(at: t0 + 10) == .wentOnline)
        #expect(link.force == nil && link.state == .online)
    }

    @Test func releasingForcedOfflineWithoutGoodProbesStaysOffline() {
        var link = DoorLink()
        link.toggleForce(at: t0)
        link.probed(ok: true, at: t0 + 1)
        #expect(link.toggleForce(at: t0 + 2) == nil)
        #expect(link.force == nil && link.isOffline && link.goodProbes == 1)
        link.probed(ok: true, at: t0 + 3)
        #expect(link.probed(ok: true, at: t0 + 4) == .wentOnline)
    }

    @Test func forcingOnlineWhileOfflineKeepsItOnline() {
        var link = DoorLink()
        link.callUnanswered(why: "x", at: t0)
        #expect(link.toggleForce(at: t0 + 1) == .wentOnline)
        #expect(link.force == .forcedOnline && link.state == .online)
        #expect(link.callUnanswered(why: "y", at: t0 + 2) == nil)
        #expect(link.state == .online, "forced online never decides locally")
        #expect(link.toggleForce(at: t0 + 3) == nil)
        #expect(link.force == nil && link.state == .online, "automatic again, still online")
        #expect(link.callUnanswered(why: "z", at: t0 + 4) == .wentOffline)
    }

    @Test func aDoorMayStartPinned() {
        #expect(DoorLink(force: .forcedOffline, at: t0).state == .offline(since: t0, why: "forced offline by staff"))
        #expect(DoorLink(force: .forcedOnline).state == .online)
    }
}
