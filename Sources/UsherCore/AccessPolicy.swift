/// Every RPC of `inventory.InventoryService`, by its method name. The server looks
/// each call up here by name; a method with no case (a new RPC nobody gave a row)
/// is refused, never let through.
public enum InventoryOperation: String, CaseIterable, Sendable, Hashable {
    case reserveSeat = "ReserveSeat"
    case releaseSeat = "ReleaseSeat"
    case confirmSeat = "ConfirmSeat"
    case updateOwner = "UpdateOwner"
    case getSeatOwner = "GetSeatOwner"
    case verifyTicket = "VerifyTicket"
    case markCheckedIn = "MarkCheckedIn"
    case getVerificationKeys = "GetVerificationKeys"
    case listHallSeats = "ListHallSeats"
    case getHallOccupancy = "GetHallOccupancy"
    case listHallEvents = "ListHallEvents"
    case enrollDevice = "EnrollDevice"
    case syncDoor = "SyncDoor"
    case listConflicts = "ListConflicts"
    case acknowledgeConflict = "AcknowledgeConflict"
    case listDoors = "ListDoors"
    case annulCheckIn = "AnnulCheckIn"
    case searchSeats = "SearchSeats"
    case overrideCheckIn = "OverrideCheckIn"
    case unlockKiosk = "UnlockKiosk"
}

/// The permission table: which roles may make which call, and over which halls.
/// One table, read by the server for every call and by the tests row by row.
public enum AccessPolicy {
    /// Who may make a call.
    public enum Grant: Sendable, Equatable {
        /// No device credential: the request carries its own (a one-time enrollment code).
        case enrollmentCode
        /// Enrolled devices with these roles, each over the halls given.
        case roles([DeviceRole: Reach])
    }

    /// Which halls a role reaches with a call.
    public enum Reach: Sendable, Equatable {
        case everyHall
        /// Only the device's own hall (doors): a request naming another hall is
        /// refused, and a call without a hall answers for the device's hall alone.
        case ownHall
    }

    public static let table: [InventoryOperation: Grant] = [
        .reserveSeat: .roles([.boxOffice: .everyHall, .admin: .everyHall]),
        .releaseSeat: .roles([.boxOffice: .everyHall, .admin: .everyHall]),
        .confirmSeat: .roles([.boxOffice: .everyHall, .admin: .everyHall]),
        .updateOwner: .roles([.boxOffice: .everyHall, .admin: .everyHall]),
        // Owner ids are personal data: the box office's and a supervisor's (every
        // hall's reads; a seat map drawn seat by seat from an older server), never a door's.
        .getSeatOwner: .roles([.boxOffice: .everyHall, .supervisor: .everyHall, .admin: .everyHall]),
        .verifyTicket: .roles([.door: .ownHall, .admin: .everyHall]),
        .markCheckedIn: .roles([.door: .ownHall, .admin: .everyHall]),
        // Public keys: a door verifies offline with them; a supervisor shows them.
        .getVerificationKeys: .roles([.door: .everyHall, .supervisor: .everyHall, .admin: .everyHall]),
        // Maps and counts carry no owner ids.
        .listHallSeats: .roles([.door: .ownHall, .supervisor: .everyHall, .admin: .everyHall]),
        .getHallOccupancy: .roles([.door: .ownHall, .supervisor: .everyHall, .admin: .everyHall]),
        .listHallEvents: .roles([.door: .ownHall, .supervisor: .everyHall, .admin: .everyHall]),
        .enrollDevice: .enrollmentCode,
        // What a door needs to check offline: keys, windows, statuses and serials of
        // its own hall, no owner ids. A supervisor may read any hall's (to inspect).
        .syncDoor: .roles([.door: .ownHall, .supervisor: .everyHall, .admin: .everyHall]),
        // Conflicts name terminals and seats of every hall: supervisors deal with them.
        .listConflicts: .roles([.supervisor: .everyHall, .admin: .everyHall]),
        .acknowledgeConflict: .roles([.supervisor: .everyHall, .admin: .everyHall]),
        // Which doors are offline or cannot reach the server: the supervisors' board.
        .listDoors: .roles([.supervisor: .everyHall, .admin: .everyHall]),
        // A door undoes its own mistaken scan (own admissions, 2 minutes: the store's
        // rule); a supervisor any admission.
        .annulCheckIn: .roles([.door: .ownHall, .supervisor: .everyHall, .admin: .everyHall]),
        // Finding a guest without a code: a door in its hall (no owner ids); the box
        // office and supervisors anywhere.
        .searchSeats: .roles([.door: .ownHall, .boxOffice: .everyHall, .supervisor: .everyHall, .admin: .everyHall]),
        // Letting a guest in anyway happens at a door, in its hall; the supervisor's
        // word is the PIN in the request, checked by the store (a door with a stolen
        // token still needs a supervisor's PIN).
        .overrideCheckIn: .roles([.door: .ownHall, .admin: .everyHall]),
        // A kiosk is a door; its lock is opened by a supervisor's PIN, checked by the store.
        .unlockKiosk: .roles([.door: .ownHall, .admin: .everyHall]),
    ]

    /// The decision for `caller` making `operation`, about `hallID` when the request
    /// names a hall. Never `.allowed` for an operation without a row.
    public static func decide(_ operation: InventoryOperation, caller: DeviceIdentity, hallID: String?) -> AccessDecision {
        switch table[operation] {
        case nil:
            return .denied("\(operation.rawValue) has no entry in the permission table")
        case .enrollmentCode:
            return .denied("\(operation.rawValue) takes an enrollment code, not a device credential")
        case .roles(let roles):
            guard let reach = roles[caller.role] else {
                return .denied("a \(caller.role.rawValue) device may not call \(operation.rawValue)")
            }
            switch reach {
            case .everyHall:
                return .allowed(onlyHall: nil)
            case .ownHall:
                guard let own = caller.hallID else {
                    return .denied("\(caller.name) has no hall of its own")
                }
                if let hallID, hallID != own {
                    return .denied("\(caller.name) is a door of hall \(own), not of hall \(hallID)")
                }
                return .allowed(onlyHall: own)
            }
        }
    }
}

public enum AccessDecision: Sendable, Equatable {
    /// Go ahead; when `onlyHall` is set, answer about that hall alone.
    case allowed(onlyHall: String?)
    /// PERMISSION_DENIED, with why (for the log and the caller).
    case denied(String)
}
