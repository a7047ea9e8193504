import Foundation
import PostgresNIO
import UsherCore

/// The one mapping between a `seats` row and ``Seat``.
enum SeatRow {
    /// Whether a write is a transfer, and the caller's id for it (which replaces the
    /// seat's last one, nil included: a retry names the *latest* transfer only).
    enum Transfer: Sendable {
        case none
        case made(id: String?)

        var isTransfer: Bool { if case .made = self { true } else { false } }
        var id: String? { if case .made(let id) = self { id } else { nil } }
    }

    /// The select list every seat query uses, in the shape ``decode(_:)`` reads.
    static let columns = """
        seat_id, event_id, hall_id, section, row_label, seat_number, status, owner_user_id, \
        held_by_user_id, held_until, order_id, checked_in_at, checked_in_terminal_id, \
        checked_in_staff_id, revision, ticket_serial, updated_at, last_transfer_id, outside_since
        """

    /// ``columns`` qualified by a table alias, for queries that join seats to tables
    /// with columns of the same names.
    static func columns(of alias: String) -> String {
        columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }
            .joined(separator: ", ")
    }

    static func decode(_ row: PostgresRow) throws -> Seat {
        let r = row.makeRandomAccess()
        let statusText = try r["status"].decode(String.self)
        guard let status = SeatStatus(rawValue: statusText) else {
            throw StoreError.internalError("unknown seat status \(statusText)")
        }
        let owner = try r["owner_user_id"].decode(String?.self)
        let orderID = try r["order_id"].decode(String?.self) ?? ""
        let state: SeatState
        switch status {
        case .available:
            state = .available
        case .held:
            guard let holder = try r["held_by_user_id"].decode(String?.self),
                let until = try r["held_until"].decode(Date?.self)
            else { throw StoreError.internalError("held seat without holder") }
            state = .held(by: holder, until: until)
        case .sold:
            guard let owner else { throw StoreError.internalError("sold seat without owner") }
            state = .sold(owner: owner, orderID: orderID)
        case .checkedIn:
            guard let owner, let at = try r["checked_in_at"].decode(Date?.self) else {
                throw StoreError.internalError("checked-in seat without owner or time")
            }
            let checkIn = CheckIn(
                at: at,
                terminalID: try r["checked_in_terminal_id"].decode(String?.self) ?? "",
                staffID: try r["checked_in_staff_id"].decode(String?.self) ?? "")
            state = .checkedIn(owner: owner, orderID: orderID, checkIn: checkIn)
        }
        return Seat(
            seatID: try r["seat_id"].decode(String.self),
            eventID: try r["event_id"].decode(String.self),
            hallID: try r["hall_id"].decode(String.self),
            section: try r["section"].decode(String.self),
            row: try r["row_label"].decode(String.self),
            number: Int(try r["seat_number"].decode(Int32.self)),
            state: state,
            updatedAt: try r["updated_at"].decode(Date.self),
            revision: try r["revision"].decode(Int64.self),
            ticketSerial: try r["ticket_serial"].decode(Int64.self),
            lastTransferID: try r["last_transfer_id"].decode(String?.self),
            outsideSince: try r["outside_since"].decode(Date?.self))
    }

    /// Reads one seat, optionally locking it. `NOWAIT`: a busy seat fails fast with
    /// 55P03 instead of queueing requests behind each other. `NO KEY UPDATE`, not
    /// `UPDATE`: we never change the key, and the weaker lock does not conflict with
    /// the KEY SHARE locks that concurrent `entry_logs` inserts take on the seat
    /// through their foreign key, so a door scanning a seat never aborts a sale.
    static func fetch(_ seatID: String, lock: Bool, on connection: PostgresConnection, logger: Logger)
        async throws -> (seat: Seat, now: Date)?
    {
        let query: PostgresQuery =
            lock
            ? "SELECT \(unescaped: columns), now() AS db_now FROM seats WHERE seat_id = \(seatID) FOR NO KEY UPDATE NOWAIT"
            : "SELECT \(unescaped: columns), now() AS db_now FROM seats WHERE seat_id = \(seatID)"
        let rows = try await connection.query(query, logger: logger).collect()
        guard let row = rows.first else { return nil }
        return (try decode(row), try row.makeRandomAccess()["db_now"].decode(Date.self))
    }

    /// Writes `state` over the seat if nobody changed it since `seat.revision` was read.
    /// Returns nil when the revision moved on (a concurrent writer won).
    static func write(
        _ state: SeatState, over seat: Seat, reissueTicket: Bool, transfer: Transfer = .none,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Seat? {
        var holder: String?
        var heldUntil: Date?
        var orderID: String?
        var checkIn: CheckIn?
        switch state {
        case .available: break
        case .held(let by, let until): (holder, heldUntil) = (by, until)
        case .sold(_, let order): orderID = order
        case .checkedIn(_, let order, let c): (orderID, checkIn) = (order, c)
        }
        let serialStep: Int64 = reissueTicket ? 1 : 0
        let rows = try await connection.query(
            """
            UPDATE seats SET
                status = \(state.status.rawValue), owner_user_id = \(state.ownerUserID),
                held_by_user_id = \(holder), held_until = \(heldUntil), order_id = \(orderID),
                checked_in_at = \(checkIn?.at), checked_in_terminal_id = \(checkIn?.terminalID),
                checked_in_staff_id = \(checkIn?.staffID),
                outside_since = NULL,
                ticket_serial = ticket_serial + \(serialStep),
                last_transfer_id = CASE WHEN \(transfer.isTransfer) THEN \(transfer.id) ELSE last_transfer_id END,
                revision = revision + 1, updated_at = now()
            WHERE seat_id = \(seat.seatID) AND revision = \(seat.revision)
            RETURNING \(unescaped: columns)
            """,
            logger: logger
        ).collect()
        return try rows.first.map(decode)
    }
}
