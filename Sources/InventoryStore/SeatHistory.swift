import Logging
import PostgresNIO
import UsherCore

/// `seat_history`: one row per seat state change, in the change's transaction, so
/// "who held, sold, moved or admitted this seat, and when" is always answerable.
enum SeatHistory {
    static func append(
        seatID: String, action: String, userID: String?, detail: String, from: SeatStatus, to written: Seat,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO seat_history (seat_id, action, user_id, detail, from_status, to_status, revision)
            VALUES (\(seatID), \(action), \(userID), \(detail), \(from.rawValue),
                    \(written.status.rawValue), \(written.revision))
            """, logger: logger)
    }
}
