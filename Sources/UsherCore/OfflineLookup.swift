import Foundation

/// The offline door's half of a scan: from a code and what the door's local store
/// holds to the ``TicketLookup`` that ``ScanVerdict/decide(_:at:now:action:)`` takes,
/// the same function the server decides with. No second copy of the rules.
public enum OfflineLookup {
    /// What the store knew about the code's seat.
    public enum SeatKnowledge: Sendable, Hashable {
        /// Synced: decided against its status, serial and first check-in.
        case synced
        /// The code verifies but the store has no such seat (sold after the last
        /// sync): admitted as SOLD from the code's own claims, and marked so (as
        /// pretixSCAN does).
        case unsynced
        /// The code did not verify; no seat was looked at.
        case none
    }

    /// Verifies `code` with the synced keys, then builds the lookup from the synced
    /// seat and event (or the code's signed claims where the store lacks them).
    /// - Parameters:
    ///   - seat: the store's row for a seat id, nil when it has none.
    ///   - events: the hall's synced events by id.
    public static func lookup(
        _ code: String, keys: [TicketVerificationKey], seat: (String) throws -> DoorSeat?,
        events: [String: EventWindow]
    ) rethrows -> (lookup: TicketLookup, knowledge: SeatKnowledge) {
        let keyring = TicketKeyring(signer: nil, alsoAccepted: keys)
        let claims: TicketClaims
        switch TicketCode.verify(code, keyring: keyring) {
        case .failure(let error): return (.unreadable(error.reason), .none)
        case .success(let verified): claims = verified
        }
        // The signed window stands in for an event the store has not seen; the
        // signed hall makes a ticket for another hall WRONG_HALL as online.
        let event = events[claims.eventID]
            ?? EventWindow(
                eventID: claims.eventID, hallID: claims.hallID, name: claims.eventID, doorsAt: claims.validFrom,
                startsAt: claims.validFrom, endsAt: claims.validUntil)
        guard let stored = try seat(claims.seatID) else {
            let subject = ScanSubject(
                seatID: claims.seatID, event: event, state: .sold(owner: "", orderID: ""), ticketSerial: claims.serial)
            return (.found(subject, codeSerial: claims.serial), .unsynced)
        }
        let subject = ScanSubject(
            seatID: stored.seatID, event: events[stored.eventID] ?? event, state: stored.state,
            ticketSerial: stored.ticketSerial, outsideSince: stored.outsideSince)
        return (.found(subject, codeSerial: claims.serial), .synced)
    }
}
