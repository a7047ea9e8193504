import Foundation
import UsherCore

/// The test servers' ticket keys, and codes for seats that were never sold (a
/// real venue never signs those, but a door must still judge them).
enum TestKeys {
    static let signer = TicketSigningKey.generate()
    static let keyring = TicketKeyring(signer: signer)

    /// A correctly signed code for `seat` (an id `EVENT.SECTION.ROW.NUMBER` of TestVenue).
    static func code(seat: String, hall: String = "main", serial: Int64 = 0) -> String {
        let event = String(seat.split(separator: ".").first ?? "")
        return TicketCode.issue(
            TicketClaims(
                seatID: seat, eventID: event, hallID: hall, serial: serial,
                validFrom: Date(timeIntervalSince1970: 1_700_000_000), validUntil: Date(timeIntervalSince1970: 2_100_000_000)),
            signer: signer)
    }
}
