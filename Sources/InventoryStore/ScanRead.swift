import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The one read of a scan (VerifyTicket, MarkCheckedIn): everything its verdict needs,
/// in one round trip of one prepared statement, shared with the
/// reads of other scans at the same moment (``BatchQueue``).
///
/// Why one statement: a check-in used to be nine round trips (BEGIN, a lock, the scan
/// id's original, the seat, the write, the logs, COMMIT), each parsed and planned
/// anew, and the round trips, not the work, were most of its cost (issue 15). This
/// read brings back the seat the code names with its event's window and hall name,
/// the database's clock, and the answer already given under this scan id, if any.
/// UsherCore then decides from it; the SQL decides nothing.
///
/// It always returns exactly one row per read: the seat and the original are LEFT
/// JOINs onto the read, NULL when absent.
struct ScanRead: Sendable {
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

    /// The reads of a batch (``BatchQueue``) in one statement: one row per read,
    /// numbered by its place in the arrays. An empty string stands for "none" (arrays
    /// of optionals do not bind). Each lookup is a LATERAL subquery with LIMIT 1, so
    /// that it stays an index probe per read, whatever the plan guesses of unnest.
    struct Statement: PostgresPreparedStatement {
        typealias Row = (ordinal: Int64, read: ScanRead.Row)

        var reads: [ScanRead]

        static let sql = """
            SELECT r.ordinal, now() AS db_now, \(SeatRow.columns(of: "s")),
                   e.doors_at AS event_doors_at, e.starts_at AS event_starts_at, e.ends_at AS event_ends_at,
                   e.name AS event_name, e.reentry AS event_reentry, h.name AS hall_name, \(EntryLog.Original.columns(of: "o"))
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(seat_id, scan_id, ordinal)
            LEFT JOIN LATERAL (SELECT * FROM seats WHERE seat_id = r.seat_id LIMIT 1) s ON true
            LEFT JOIN events e ON e.event_id = s.event_id
            LEFT JOIN halls h ON h.hall_id = s.hall_id
            LEFT JOIN LATERAL (
                SELECT * FROM entry_logs WHERE scan_id = NULLIF(r.scan_id, '') AND replay_of IS NULL LIMIT 1
            ) o ON true
            """

        static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(reads.map { $0.seatID ?? "" })
            bindings.append(reads.map { $0.scanID ?? "" })
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
                        endsAt: try r["event_ends_at"].decode(Date.self),
                        reentry: try r["event_reentry"].decode(Bool.self)),
                    hallName: try r["hall_name"].decode(String.self))
            }
            return (
                try r["ordinal"].decode(Int64.self),
                ScanRead.Row(now: try r["db_now"].decode(Date.self), found: found, original: try EntryLog.Original.decode(r))
            )
        }
    }

    /// Runs a batch of reads; one row per read, in order.
    static func batch(_ reads: [ScanRead], on connection: PostgresConnection, logger: Logger) async throws -> [Row] {
        var rows = [Row?](repeating: nil, count: reads.count)
        for try await (ordinal, read) in try await connection.execute(Statement(reads: reads), logger: logger) {
            guard rows.indices.contains(Int(ordinal) - 1) else { throw StoreError.internalError("scan read row \(ordinal) of \(reads.count)") }
            rows[Int(ordinal) - 1] = read
        }
        return try rows.map { row in
            guard let row else { throw StoreError.internalError("the scan read returned too few rows") }
            return row
        }
    }
}

extension ScanRead {
    /// Reads what a verified code names and what `scanID` already answered. Returns
    /// the lookup for the verdict with the row. The code is verified by the caller
    /// (UsherCore owns the format), once per call: a check-in that reads again after
    /// losing a race does not pay for the signature again.
    static func run(
        _ verified: Result<TicketClaims, TicketCodeError>, scanID: String?, through batches: ScanBatches
    ) async throws -> (lookup: TicketLookup, row: Row) {
        try await run(verified, searchedSeat: nil, scanID: scanID, through: batches)
    }

    /// The same, for a seat a door found by search instead of a code: the lookup has
    /// no code serial (there is no code to be void), the rest of the verdict stands.
    static func run(
        _ verified: Result<TicketClaims, TicketCodeError>, searchedSeat: String?, scanID: String?, through batches: ScanBatches
    ) async throws -> (lookup: TicketLookup, row: Row) {
        if let searchedSeat {
            let row = try await batches.reads.submit(ScanRead(seatID: searchedSeat, scanID: scanID))
            guard let found = row.found else { return (.unknownSeat, row) }
            return (.found(Self.subject(found), codeSerial: nil), row)
        }
        let claims = try? verified.get()
        let row = try await batches.reads.submit(ScanRead(seatID: claims?.seatID, scanID: scanID))
        if case .failure(let error) = verified { return (.unreadable(error.reason), row) }
        guard let claims, let found = row.found else { return (.unknownSeat, row) }
        return (.found(Self.subject(found), codeSerial: claims.serial), row)
    }

    private static func subject(_ found: Found) -> ScanSubject {
        ScanSubject(
            seatID: found.seat.seatID, event: found.event, state: found.seat.state, ticketSerial: found.seat.ticketSerial,
            outsideSince: found.seat.outsideSince)
    }
}
