import Foundation

/// One SyncDoor answer: what a door needs to decide scans while the server is out of
/// reach. Keys and events come whole every time (a handful); seats come as the
/// change since the door's cursor.
public struct DoorSync: Sendable, Hashable {
    public var hallID: String
    public var hallName: String
    public var keys: [TicketVerificationKey]
    /// Every event of the hall, ordered by doors.
    public var events: [EventWindow]
    /// Seats of every event of the hall changed since the cursor asked with (all of
    /// them when ``isComplete``). A seat may repeat; replace by id.
    public var seats: [DoorSeat]
    /// The cursor for the next sync; it never goes down.
    public var cursor: Int64
    public var isComplete: Bool
    /// The database's clock when this was read.
    public var serverTime: Date

    public init(
        hallID: String, hallName: String, keys: [TicketVerificationKey], events: [EventWindow], seats: [DoorSeat],
        cursor: Int64, isComplete: Bool, serverTime: Date
    ) {
        self.hallID = hallID
        self.hallName = hallName
        self.keys = keys
        self.events = events
        self.seats = seats
        self.cursor = cursor
        self.isComplete = isComplete
        self.serverTime = serverTime
    }
}
