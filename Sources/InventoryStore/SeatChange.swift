import Foundation
import Logging
import PostgresNIO
import UsherCore

/// The result of a seat event: the seat as stored afterwards and what happened.
public struct SeatChange: Sendable {
    public var seat: Seat
    public var effect: SeatState.Effect
    /// The seat's current signed code, when the event sold or re-issued a ticket
    /// (or repeated a sale or transfer that had already been made).
    public var ticketCode: String?
}

extension InventoryStore {
    /// Locks the seat (NOWAIT), applies one ``SeatState`` event at the database's
    /// clock, writes the new state and a `seat_history` row, all in one transaction.
    /// The event sees the stored seat too (a transfer's retry is recognised by it).
    func changeSeat(
        _ seatID: String, action: String, userID: String, detail: String = "", transferID: String? = nil,
        _ event: @escaping @Sendable (inout SeatState, Date, Seat) throws(SeatRuleViolation) -> SeatState.Effect
    ) async throws(StoreError) -> SeatChange {
        let logger = self.logger
        let keyring = self.keyring
        return try await transaction(seatID: seatID) { connection in
            try await Self.applySeatEvent(
                seatID, action: action, userID: userID, detail: detail, transferID: transferID, event: event,
                keyring: keyring, on: connection, logger: logger)
        }
    }

    /// The body of ``changeSeat(_:action:userID:detail:transferID:_:)``, inside its transaction.
    ///
    /// `@_optimize(none)`: Swift 6.3.1's optimizer crashes on this function in
    /// release builds (CopyPropagation, "Found ownership error"); it is a handful
    /// of statements around database calls, so the optimizer buys nothing here.
    @_optimize(none)
    static func applySeatEvent(
        _ seatID: String, action: String, userID: String, detail: String, transferID: String?,
        event: @Sendable (inout SeatState, Date, Seat) throws(SeatRuleViolation) -> SeatState.Effect,
        keyring: TicketKeyring, on connection: PostgresConnection, logger: Logger
    ) async throws -> SeatChange {
        guard let fetched = try await SeatRow.fetch(seatID, lock: true, on: connection, logger: logger) else {
            throw StoreError.seatNotFound(seatID: seatID)
        }
        let (seat, now) = fetched
        let previousStatus = seat.status
        var state = seat.state
        let effect: SeatState.Effect
        do {
            effect = try event(&state, now, seat)
        } catch let violation as SeatRuleViolation {
            throw StoreError.rule(violation)
        }
        guard effect.changesSeat else {
            return SeatChange(
                seat: seat, effect: effect,
                ticketCode: try await TicketIssue.code(for: seat, effect: effect, keyring: keyring, on: connection, logger: logger))
        }
        let reissue: Bool
        var transfer = SeatRow.Transfer.none
        switch effect {
        case .sold: reissue = true
        case .ownerChanged: (reissue, transfer) = (true, .made(id: transferID))
        default: reissue = false
        }
        guard
            let written = try await SeatRow.write(
                state, over: seat, reissueTicket: reissue, transfer: transfer, on: connection, logger: logger)
        else {
            // Impossible while we hold the row lock; refuse rather than guess.
            throw StoreError.internalError("seat \(seatID) changed under its row lock")
        }
        try await SeatHistory.append(
            seatID: seatID, action: action, userID: userID, detail: detail, from: previousStatus, to: written,
            on: connection, logger: logger)
        return SeatChange(
            seat: written, effect: effect,
            ticketCode: try await TicketIssue.code(for: written, effect: effect, keyring: keyring, on: connection, logger: logger))
    }

    /// ReserveSeat: AVAILABLE (or a lapsed hold) → HELD for `holdSeconds`.
    public func reserveSeat(_ seatID: String, by user: String, holdSeconds: Int) async throws(StoreError) -> SeatChange {
        try await changeSeat(seatID, action: "RESERVE", userID: user, detail: "\(holdSeconds)s") { state, now, _ throws(SeatRuleViolation) in
            try state.reserve(by: user, until: now.addingTimeInterval(TimeInterval(holdSeconds)), now: now)
        }
    }

    /// ReleaseSeat: HELD → AVAILABLE by the holder; `reason` goes to the seat's history.
    public func releaseSeat(_ seatID: String, by user: String, reason: String) async throws(StoreError) -> SeatChange {
        try await changeSeat(seatID, action: "RELEASE", userID: user, detail: reason) { state, now, _ throws(SeatRuleViolation) in
            try state.release(by: user, now: now)
        }
    }

    /// ConfirmSeat: HELD → SOLD; issues a new ticket serial.
    public func confirmSeat(_ seatID: String, by user: String, orderID: String) async throws(StoreError) -> SeatChange {
        try await changeSeat(seatID, action: "CONFIRM", userID: user, detail: orderID) { state, now, _ throws(SeatRuleViolation) in
            try state.confirm(by: user, orderID: orderID, now: now)
        }
    }

    /// UpdateOwner: SOLD → SOLD with a new owner, from the current owner only; the new
    /// serial voids the old code. `transferID` makes a retry answer with the transfer
    /// it repeats (and its code); without it, a retry after success is refused.
    public func transferSeat(
        _ seatID: String, from: String, to: String, transferID: String? = nil
    ) async throws(StoreError) -> SeatChange {
        try await changeSeat(
            seatID, action: "TRANSFER", userID: from, detail: "to \(to)" + (transferID.map { ", transfer \($0)" } ?? ""),
            transferID: transferID
        ) { state, _, seat throws(SeatRuleViolation) in
            try state.transfer(from: from, to: to, transferID: transferID, lastTransferID: seat.lastTransferID)
        }
    }

    /// GetSeatOwner: one seat, unlocked.
    public func seat(_ seatID: String) async throws(StoreError) -> Seat {
        let logger = self.logger
        let client = self.client
        return try await bounded(seatID: seatID) {
            try await client.withConnection { connection in
                guard let fetched = try await SeatRow.fetch(seatID, lock: false, on: connection, logger: logger) else {
                    throw StoreError.seatNotFound(seatID: seatID)
                }
                return fetched.seat
            }
        }
    }
}
