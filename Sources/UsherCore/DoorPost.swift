import Foundation

/// Where a scan happens, as far as the verdict cares: the door's hall and, when
/// the door is pinned to one show (`--event`), that event.
public struct DoorPost: Sendable, Hashable {
    public var hallID: String
    /// Set when the door admits one event only; nil admits any event of the hall
    /// whose window is open.
    public var eventID: String?
    /// Times in door messages ("doors open 19:00") are given in this zone: the venue's.
    public var timeZone: TimeZone

    public init(hallID: String, eventID: String? = nil, timeZone: TimeZone = .current) {
        self.hallID = hallID
        self.eventID = eventID
        self.timeZone = timeZone
    }
}
