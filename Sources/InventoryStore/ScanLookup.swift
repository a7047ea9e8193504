import Foundation
import Logging
import PostgresNIO
import UsherCore

/// Reads what a scanned code names: the seat, its event's window and display names.
enum ScanLookup {
    struct Found: Sendable {
        var seat: Seat
        var event: EventWindow
        var hallName: String
        var eventName: String { event.name }
    }

    /// Verifies the code (UsherCore owns the format) and reads its seat.
    /// Returns the lookup for the verdict, plus the details when the seat exists.
    static func lookUp(
        _ code: String, keyring: TicketKeyring, on connection: PostgresConnection, logger: Logger
    ) async throws -> (lookup: TicketLookup, found: Found?, now: Date) {
        let claims: TicketClaims
        switch TicketCode.verify(code, keyring: keyring) {
        case .failure(let error):
            return (.unreadable(error.reason), nil, try await databaseNow(on: connection, logger: logger))
        case .success(let verified):
            claims = verified
        }
        let rows = try await connection.query(
            """
            SELECT s.*, e.doors_at AS event_doors_at, e.starts_at AS event_starts_at,
                   e.ends_at AS event_ends_at, e.name AS event_name, h.name AS hall_name, now() AS db_now
            FROM seats s
            JOIN events e ON e.event_id = s.event_id
            JOIN halls h ON h.hall_id = s.hall_id
            WHERE s.seat_id = \(claims.seatID)
            """, logger: logger
        ).collect()
        guard let row = rows.first else {
            return (.unknownSeat, nil, try await databaseNow(on: connection, logger: logger))
        }
        let r = row.makeRandomAccess()
        let seat = try SeatRow.decode(row)
        let found = Found(
            seat: seat,
            event: EventWindow(
                eventID: seat.eventID, hallID: seat.hallID, name: try r["event_name"].decode(String.self),
                doorsAt: try r["event_doors_at"].decode(Date.self), startsAt: try r["event_starts_at"].decode(Date.self),
                endsAt: try r["event_ends_at"].decode(Date.self)),
            hallName: try r["hall_name"].decode(String.self))
        let subject = ScanSubject(
            seatID: seat.seatID, event: found.event, state: seat.state, ticketSerial: seat.ticketSerial)
        return (.found(subject, codeSerial: claims.serial), found, try r["db_now"].decode(Date.self))
    }

    static func databaseNow(on connection: PostgresConnection, logger: Logger) async throws -> Date {
        let rows = try await connection.query("SELECT now() AS db_now", logger: logger).collect()
        guard let row = rows.first else { throw StoreError.internalError("now() returned no row") }
        return try row.makeRandomAccess()["db_now"].decode(Date.self)
    }
}
