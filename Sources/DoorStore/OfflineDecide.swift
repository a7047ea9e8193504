import Foundation
import GRDB
import UsherCore

extension DoorStore {
    /// Decides a scan OFFLINE and journals it, in ONE write transaction committed
    /// (fsynced) before returning, so a verdict drawn after this call survives a
    /// power cut and is uploaded later.
    ///
    /// - A scan id already in the journal returns its stored decision unchanged
    ///   (`replayed`): a retried scan is the same scan. With another code it throws
    ///   ``DoorStoreError/scanIDReused(scanID:)``.
    /// - Otherwise the verdict comes from UsherCore, as online: ``OfflineLookup`` over
    ///   the synced keys, events and the code's seat, then ``ScanVerdict/decide(_:at:now:action:)``
    ///   at `now` (the terminal's clock). This door's own journaled admission of the
    ///   seat counts as CHECKED_IN, so a second scan here is DUPLICATE even after a
    ///   sync rewrote the seat with a server view from before the upload.
    public func decideAndJournal(
        scanID: String, code: String, at door: DoorPost, now: Date, terminalID: String, staffID: String
    ) throws(DoorStoreError) -> OfflineDecision {
        try writing("journal an offline scan") { db in
            if let original = try JournalEntry.fetch(scanID: scanID, db) {
                // Compared as TicketCode reads a code: a scanner's trailing newline is no other code.
                guard TicketCode.digest(original.code) == TicketCode.digest(code) else {
                    throw DoorStoreError.scanIDReused(scanID: scanID)
                }
                var decision = original.decision
                decision.seat = try decision.seatID.flatMap { try Self.seat($0, db) }
                return decision
            }
            let scannedAt = now.stored
            let events = try Self.events(db)
            let (found, knowledge) = try OfflineLookup.lookup(
                code, keys: try Self.keys(db), seat: { try Self.seat($0, db) }, events: events)
            let lookup = try Self.withOwnAdmission(found, db)
            // Windows are judged by the server's clock as of the last sync: a terminal
            // two minutes fast must not open the doors two minutes early.
            let skew = try Self.clockSkew(db)
            var verdict = ScanVerdict.decide(lookup, at: door, now: scannedAt.addingTimeInterval(-skew), action: .admit)
            if verdict.result == .success {
                // As online: a SUCCESS quotes the admission it made.
                verdict.firstCheckIn = CheckIn(at: scannedAt, terminalID: terminalID, staffID: staffID)
            }
            var subject: ScanSubject?
            if case .found(let named, _) = lookup { subject = named }
            let decision = OfflineDecision(
                scanID: scanID, verdict: verdict, seatID: subject?.seatID, eventID: subject?.event.eventID,
                hallID: subject?.hallID, eventName: subject?.event.name, seatUnsynced: knowledge == .unsynced,
                scannedAt: scannedAt, clockSkew: skew, replayed: false,
                seat: try subject.flatMap { try Self.seat($0.seatID, db) })
            try JournalEntry.insert(decision, code: code, terminalID: terminalID, staffID: staffID, db)
            return decision
        }
    }

    /// Merges this door's first journaled admission of the seat as CHECKED_IN, unless
    /// the server's view already says CHECKED_IN (its first admission stands). Uploaded
    /// rows count too: the server's CHECKED_IN arrives only with a later sync. A guest
    /// the server saw step out is inside again once this door let them back in.
    private static func withOwnAdmission(_ lookup: TicketLookup, _ db: Database) throws -> TicketLookup {
        guard case .found(var subject, let codeSerial) = lookup else { return lookup }
        if case .checkedIn = subject.state {
            // Out by the server's last word, and not let back in here since: a re-entry.
            // Let back in here since (a second copy of the ticket?): inside, DUPLICATE.
            guard let out = subject.outsideSince else { return lookup }
            let since = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM journal WHERE seat_id = ? AND result = ? AND scanned_at >= ?",
                arguments: [subject.seatID, ScanResult.success.rawValue, out.storedSeconds]) ?? 0
            if since > 0 { subject.outsideSince = nil }
            return .found(subject, codeSerial: codeSerial)
        }
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT scanned_at, terminal_id, staff_id FROM journal
                    WHERE seat_id = ? AND result = ? ORDER BY seq LIMIT 1
                    """,
                arguments: [subject.seatID, ScanResult.success.rawValue]),
            let checkIn = try CheckIn(row, at: "scanned_at", terminal: "terminal_id", staff: "staff_id")
        else { return lookup }
        subject.state = .checkedIn(owner: "", orderID: "", checkIn: checkIn)
        return .found(subject, codeSerial: codeSerial)
    }
}
