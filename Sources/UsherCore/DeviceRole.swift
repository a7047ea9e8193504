/// What an enrolled device is for. The server decides every call by it
/// (``AccessPolicy``); a device has exactly one role, fixed when it is added.
public enum DeviceRole: String, CaseIterable, Sendable, Codable, Hashable {
    /// A door terminal: scans for its own hall, and that hall's map and counts.
    case door
    /// Watches every hall: seat maps, events and occupancy. Admits no one.
    case supervisor
    /// Sells and moves tickets: holds, confirmations, transfers, owner look-ups.
    case boxOffice = "box-office"
    /// Everything, including the devices themselves.
    case admin
}

/// Who is calling: an enrolled device, as its credential names it. The name is the
/// terminal id written to `entry_logs` and `seat_history`; a request cannot choose
/// another.
public struct DeviceIdentity: Sendable, Hashable, Codable {
    public var name: String
    public var role: DeviceRole
    /// The hall a door serves; nil for every other role.
    public var hallID: String?

    public init(name: String, role: DeviceRole, hallID: String?) throws(InputError) {
        self.name = try InputRules.identifier(name, field: "name")
        self.role = role
        switch (role, hallID) {
        case (.door, nil):
            throw InputError(field: "hall", problem: "is required for a door (the hall it admits to)")
        case (.door, let hall?):
            self.hallID = try InputRules.identifier(hall, field: "hall")
        case (_, nil):
            self.hallID = nil
        case (_, .some):
            throw InputError(field: "hall", problem: "is only for doors; a \(role.rawValue) sees every hall")
        }
    }
}
