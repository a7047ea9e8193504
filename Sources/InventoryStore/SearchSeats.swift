import Foundation
import Logging
import PostgresNIO
import UsherCore

extension InventoryStore {
    /// SearchSeats: the seats of `hallID`'s events not yet ended that `search` names —
    /// by row and number, by order id or by owner id — in show and venue order.
    ///
    /// - Each form is an index probe (migration 10); the three are one statement, so
    ///   "A12" that is both a seat and someone's order finds both.
    /// - At most ``SeatSearch/limit`` seats: one more is read to tell "too many" from
    ///   "exactly the limit", and then none are returned (a door needs a narrower
    ///   search, not a list to scroll).
    /// - Owner ids are in the result; the gRPC layer withholds them from doors.
    public func searchSeats(hallID: String, _ search: SeatSearch) async throws(StoreError) -> SeatSearchResult {
        let logger = self.logger
        let client = self.client
        let seat = search.seat
        let row = seat?.row ?? ""
        let number = Int32(clamping: seat?.number ?? 0)
        let text = search.text
        let limit = SeatSearch.limit
        return try await bounded {
            let rows = try await client.query(
                """
                SELECT \(unescaped: SeatRow.columns(of: "s")) FROM seats s JOIN events e ON e.event_id = s.event_id
                WHERE s.hall_id = \(hallID) AND e.ends_at > now()
                  AND ((upper(s.row_label) = \(row) AND s.seat_number = \(number))
                       OR s.order_id = \(text) OR s.owner_user_id = \(text))
                ORDER BY e.starts_at, s.section_position, s.row_position, s.seat_number
                LIMIT \(Int32(limit + 1))
                """, logger: logger
            ).collect()
            guard rows.count <= limit else { return SeatSearchResult(seats: [], tooMany: true) }
            if rows.isEmpty {
                let halls = try await client.query("SELECT 1 FROM halls WHERE hall_id = \(hallID)", logger: logger).collect()
                guard !halls.isEmpty else { throw StoreError.notFound("hall \(hallID) does not exist") }
            }
            return SeatSearchResult(seats: try rows.map(SeatRow.decode), tooMany: false)
        }
    }
}
