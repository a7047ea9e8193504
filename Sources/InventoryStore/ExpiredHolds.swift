import Foundation
import UsherCore

/// Where a new hold is announced so it can be expired on time. The database sweep
/// needs no announcement; the RabbitMQ dead-letter publisher
/// (InventoryEvents.DeadLetterHoldExpiry) does. `revision` is the seat's revision
/// right after the hold was placed: it identifies this exact hold.
public protocol HoldExpiryScheduling: Sendable {
    func holdPlaced(seatID: String, until: Date, revision: Int64) async
}

/// The default: rely on the sweeper alone.
public struct SweepOnlyHoldExpiry: HoldExpiryScheduling {
    public init() {}
    public func holdPlaced(seatID: String, until: Date, revision: Int64) async {}
}

extension InventoryStore {
    /// Releases holds whose time has passed, oldest first, at most `limit` of them
    /// (or just `seatID`'s). Rows another transaction has locked are skipped, not
    /// waited for: they are being changed anyway, and the next sweep sees them.
    /// Each release is recorded in `seat_history`. Returns the released seat ids.
    public func releaseExpiredHolds(limit: Int, seatID: String? = nil) async throws(StoreError) -> [String] {
        let logger = self.logger
        return try await transaction(seatID: seatID) { connection in
            let rows = try await connection.query(
                """
                WITH expired AS (
                    SELECT seat_id, held_by_user_id FROM seats
                    WHERE status = 'HELD' AND held_until <= now()
                      AND (\(seatID)::text IS NULL OR seat_id = \(seatID))
                    ORDER BY held_until
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ), released AS (
                    UPDATE seats s SET status = 'AVAILABLE', held_by_user_id = NULL, held_until = NULL,
                                       revision = s.revision + 1, updated_at = now()
                    FROM expired WHERE s.seat_id = expired.seat_id
                    RETURNING s.seat_id, s.revision, expired.held_by_user_id
                )
                INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
                SELECT seat_id, 'EXPIRE', held_by_user_id, 'expired (sweep)', 'HELD', 'AVAILABLE', revision
                FROM released
                RETURNING seat_id
                """, logger: logger)
            var released: [String] = []
            for try await id in rows.decode(String.self) { released.append(id) }
            return released
        }
    }

    /// Releases one hold announced through the broker: only if the seat is still
    /// HELD by that exact hold (`holdToken`, the revision it was placed at) and the
    /// hold has run out. A sale, a release, a renewal or another buyer's hold since
    /// all move the revision, so a stale, late or repeated message changes nothing.
    /// Returns whether the seat was released; the release is recorded in
    /// `seat_history` with the reason "expired".
    public func releaseHold(seatID: String, holdToken: Int64) async throws(StoreError) -> Bool {
        let logger = self.logger
        return try await transaction(seatID: seatID) { connection in
            let rows = try await connection.query(
                """
                WITH target AS (
                    SELECT seat_id, held_by_user_id FROM seats
                    WHERE seat_id = \(seatID) AND status = 'HELD' AND revision = \(holdToken) AND held_until <= now()
                    FOR NO KEY UPDATE
                ), released AS (
                    UPDATE seats s SET status = 'AVAILABLE', held_by_user_id = NULL, held_until = NULL,
                                       revision = s.revision + 1, updated_at = now()
                    FROM target WHERE s.seat_id = target.seat_id
                    RETURNING s.seat_id, s.revision, target.held_by_user_id
                )
                INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
                SELECT seat_id, 'EXPIRE', held_by_user_id, 'expired (dead-letter)', 'HELD', 'AVAILABLE', revision
                FROM released
                RETURNING seat_id
                """, logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }
}
