import Foundation
import UsherCore

@testable import DoorStore

/// A private directory per test, removed when the test lets go of it.
final class TempDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("DoorStoreTests-\(UUID().uuidString)", isDirectory: true)
    }

    /// The store's path, two directory levels below the temp dir, so `open` creates them.
    var storeURL: URL { url.appendingPathComponent("state/usher/door-H1.sqlite") }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A hall with tonight's show (doors open, one hour in) and tomorrow's, a signing key,
/// and codes made the way the server makes them.
struct DoorFixture {
    /// The door the tests' stores belong to.
    static let owner = DoorStoreOwner(terminalID: "door-1", server: "fixture-server")
    let hallID = "H1"
    let key = TicketSigningKey.generate()
    /// Fixed, whole seconds: 2027-01-15 20:00:00 UTC.
    let now = Date(timeIntervalSince1970: 1_800_043_200)
    let utc = TimeZone(identifier: "UTC")!

    var door: DoorPost { DoorPost(hallID: hallID, timeZone: utc) }

    var tonight: EventWindow {
        EventWindow(
            eventID: "E1", hallID: hallID, name: "Tonight", doorsAt: now.addingTimeInterval(-3600),
            startsAt: now, endsAt: now.addingTimeInterval(3 * 3600))
    }

    var tomorrow: EventWindow {
        EventWindow(
            eventID: "E2", hallID: hallID, name: "Tomorrow", doorsAt: now.addingTimeInterval(23 * 3600),
            startsAt: now.addingTimeInterval(24 * 3600), endsAt: now.addingTimeInterval(27 * 3600))
    }

    func code(
        seat: String, event: EventWindow? = nil, hallID: String? = nil, serial: Int64 = 1,
        signer: TicketSigningKey? = nil
    ) -> String {
        let event = event ?? tonight
        return TicketCode.issue(
            TicketClaims(
                seatID: seat, eventID: event.eventID, hallID: hallID ?? event.hallID, serial: serial,
                validFrom: event.doorsAt, validUntil: event.endsAt),
            signer: signer ?? key)
    }

    func seat(
        _ id: String, event: String = "E1", status: SeatStatus = .sold, serial: Int64 = 1, revision: Int64 = 1,
        checkIn: CheckIn? = nil, heldUntil: Date? = nil
    ) -> DoorSeat {
        DoorSeat(
            seatID: id, eventID: event, section: "Stalls", row: "A",
            number: id.split(separator: ".").last.flatMap { Int($0) } ?? 1, status: status, ticketSerial: serial, heldUntil: heldUntil, checkIn: checkIn,
            revision: revision)
    }

    func sync(_ seats: [DoorSeat], cursor: Int64, complete: Bool) -> DoorSync {
        DoorSync(
            hallID: hallID, hallName: "Main Hall", keys: [key.verificationKey], events: [tonight, tomorrow],
            seats: seats, cursor: cursor, isComplete: complete, serverTime: now.addingTimeInterval(-2))
    }

    /// A store holding a complete sync of `seats`, the terminal 2 s ahead of the server.
    func syncedStore(_ temp: TempDirectory, seats: [DoorSeat]) throws -> DoorStore {
        let store = try DoorStore.open(at: temp.storeURL, owner: DoorFixture.owner)
        _ = try store.apply(sync(seats, cursor: 10, complete: true), syncedAt: now, clockSkew: 2)
        return store
    }

    func decide(
        _ store: DoorStore, _ code: String, scanID: String = UUID().uuidString, at time: Date? = nil,
        door: DoorPost? = nil
    ) throws -> OfflineDecision {
        try store.decideAndJournal(
            scanID: scanID, code: code, at: door ?? self.door, now: time ?? now, terminalID: "door-1",
            staffID: "staff-7")
    }
}

/// The permission bits of a file or directory.
func mode(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
