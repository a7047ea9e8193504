import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The one read of a scan (VerifyTicket, MarkCheckedIn): everything its verdict needs,
/// in one round trip of one prepared statement.
///
/// Why one statement: a check-in used to be nine round trips (BEGIN, a lock, the scan
/// id's original, the seat, the write, the logs, COMMIT), each parsed and planned
/// anew, and the round trips, not the work, were most of its cost (issue 15). This
/// read brings back the seat the code names with its event's window and hall name,
/// the database's clock, and the answer already given under this scan id, if any.
/// UsherCore then decides from it; the SQL decides nothing.
///
/// It always returns exactly one row: the seat and the original are LEFT JOINs onto
/// the clock, NULL when absent.
struct ScanRead: PostgresPreparedStatement {
    /// The seat's id from the verified code; nil for a code that did not verify.
    var seatID: String?
    /// The scan's idempotency key; nil for VerifyTicket.
    var scanID: String?

    struct Row: Sendable {
        var now: Date
        var found: Found?
        var original: EntryLog.Original?
    }

    /// The seat a code names, with what a verdict and a door's screen need of it.
    struct Found: Sendable {
        var seat: Seat
        var event: EventWindow
        var hallName: String
        var eventName: String { event.name }
    }

    static let sql = """
        SELECT now() AS db_now, \(SeatRow.columns(of: "s")),
               e.doors_at AS event_doors_at, e.starts_at AS event_starts_at, e.ends_at AS event_ends_at,
               e.name AS event_name, h.name AS hall_name, \(EntryLog.Original.columns(of: "o"))
        FROM (SELECT 1) AS clock
        LEFT JOIN seats s ON s.seat_id = $1
        LEFT JOIN events e ON e.event_id = s.event_id
        LEFT JOIN halls h ON h.hall_id = s.hall_id
        LEFT JOIN entry_logs o ON o.scan_id = $2 AND o.replay_of IS NULL
        """

    static let bindingDataTypes: [PostgresDataType] = [.text, .text]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(seatID)
        try bindings.append(scanID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let r = row.makeRandomAccess()
        var found: Found?
        if try r["seat_id"].decode(String?.self) != nil {
            let seat = try SeatRow.decode(row)
            found = Found(
                seat: seat,
                event: EventWindow(
                    eventID: seat.eventID, hallID: seat.hallID, name: try r["event_name"].decode(String.self),
                    doorsAt: try r["event_doors_at"].decode(Date.self),
                    startsAt: try r["event_starts_at"].decode(Date.self),
                    endsAt: try r["event_ends_at"].decode(Date.self)),
                hallName: try r["hall_name"].decode(String.self))
        }
        return Row(now: try r["db_now"].decode(Date.self), found: found, original: try EntryLog.Original.decode(r))
    }
}

extension ScanRead {
    /// Reads what a verified code names and what `scanID` already answered. Returns
    /// the lookup for the verdict with the row. The code is verified by the caller
    /// (UsherCore owns the format), once per call: a check-in that reads again after
    /// losing a race does not pay for the signature again.
    static func run(
        _ verified: Result<TicketClaims, TicketCodeError>, scanID: String?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (lookup: TicketLookup, row: Row) {
        let claims = try? verified.get()
        var read: Row?
        for try await row in try await connection.execute(ScanRead(seatID: claims?.seatID, scanID: scanID), logger: logger) {
            read = row
        }
        guard let row = read else { throw StoreError.internalError("the scan read returned no row") }
        if case .failure(let error) = verified { return (.unreadable(error.reason), row) }
        guard let claims, let found = row.found else { return (.unknownSeat, row) }
        let subject = ScanSubject(
            seatID: found.seat.seatID, event: found.event, state: found.seat.state, ticketSerial: found.seat.ticketSerial)
        return (.found(subject, codeSerial: claims.serial), row)
    }
}
