import Testing
import UsherCore

@Suite("Permission table")
struct AccessPolicyTests {
    static let door = try! DeviceIdentity(name: "door-main-1", role: .door, hallID: "main")
    static let supervisor = try! DeviceIdentity(name: "sup-1", role: .supervisor, hallID: nil)
    static let boxOffice = try! DeviceIdentity(name: "box-1", role: .boxOffice, hallID: nil)
    static let admin = try! DeviceIdentity(name: "admin-1", role: .admin, hallID: nil)

    /// The issue's table, written out independently of ``AccessPolicy/table``: who may
    /// call what (door: own hall only). A supervisor's "every hall's reads" include
    /// GetSeatOwner.
    static let expected: [InventoryOperation: Set<DeviceRole>] = [
        .reserveSeat: [.boxOffice, .admin], .releaseSeat: [.boxOffice, .admin], .confirmSeat: [.boxOffice, .admin],
        .updateOwner: [.boxOffice, .admin], .getSeatOwner: [.boxOffice, .supervisor, .admin],
        .verifyTicket: [.door, .admin], .markCheckedIn: [.door, .admin],
        .getVerificationKeys: [.door, .supervisor, .admin],
        .listHallSeats: [.door, .supervisor, .admin], .getHallOccupancy: [.door, .supervisor, .admin],
        .listHallEvents: [.door, .supervisor, .admin],
        // Offline doors: a door syncs its own hall; conflicts are the supervisors'.
        .syncDoor: [.door, .supervisor, .admin],
        .listConflicts: [.supervisor, .admin], .acknowledgeConflict: [.supervisor, .admin],
        .listDoors: [.supervisor, .admin],
        // Issue 18: a door undoes its own mistaken scan; a supervisor any admission.
        .annulCheckIn: [.door, .supervisor, .admin],
        .searchSeats: [.door, .boxOffice, .supervisor, .admin],
        // Letting a guest in anyway happens at a door; the supervisor's word is a PIN.
        .overrideCheckIn: [.door, .admin],
        .unlockKiosk: [.door, .admin],
        .enrollDevice: [],
    ]

    @Test(arguments: InventoryOperation.allCases)
    func everyOperationHasTheRowTheIssueAsksFor(_ operation: InventoryOperation) {
        #expect(AccessPolicy.table[operation] != nil, "\(operation) has no row")
        for caller in [Self.door, Self.supervisor, Self.boxOffice, Self.admin] {
            let decision = AccessPolicy.decide(operation, caller: caller, hallID: "main")
            let allowed = if case .allowed = decision { true } else { false }
            #expect(allowed == Self.expected[operation]?.contains(caller.role), "\(operation) by \(caller.role): \(decision)")
        }
    }

    @Test func aDoorReachesItsOwnHallOnly() {
        for operation in [InventoryOperation.verifyTicket, .markCheckedIn, .listHallSeats, .getHallOccupancy, .listHallEvents, .syncDoor] {
            #expect(AccessPolicy.decide(operation, caller: Self.door, hallID: "main") == .allowed(onlyHall: "main"))
            #expect(AccessPolicy.decide(operation, caller: Self.door, hallID: nil) == .allowed(onlyHall: "main"))
            guard case .denied(let why) = AccessPolicy.decide(operation, caller: Self.door, hallID: "foyer") else {
                Issue.record("\(operation) for another hall was allowed")
                continue
            }
            #expect(why == "door-main-1 is a door of hall main, not of hall foyer")
        }
        // Keys are not about a hall.
        #expect(AccessPolicy.decide(.getVerificationKeys, caller: Self.door, hallID: nil) == .allowed(onlyHall: nil))
    }

    @Test func everyoneElseReachesEveryHall() {
        #expect(AccessPolicy.decide(.listHallSeats, caller: Self.supervisor, hallID: "foyer") == .allowed(onlyHall: nil))
        #expect(AccessPolicy.decide(.markCheckedIn, caller: Self.admin, hallID: "foyer") == .allowed(onlyHall: nil))
        #expect(AccessPolicy.decide(.confirmSeat, caller: Self.boxOffice, hallID: nil) == .allowed(onlyHall: nil))
    }

    @Test func refusalsSayWhy() {
        #expect(
            AccessPolicy.decide(.markCheckedIn, caller: Self.supervisor, hallID: "main")
                == .denied("a supervisor device may not call MarkCheckedIn"))
        #expect(
            AccessPolicy.decide(.enrollDevice, caller: Self.admin, hallID: nil)
                == .denied("EnrollDevice takes an enrollment code, not a device credential"))
    }

    @Test func devicesAreNamedAndOnlyDoorsHaveAHall() throws {
        #expect(throws: InputError.self) { try DeviceIdentity(name: "door 1", role: .door, hallID: "main") }
        #expect(throws: InputError.self) { try DeviceIdentity(name: "door-1", role: .door, hallID: nil) }
        #expect(throws: InputError.self) { try DeviceIdentity(name: "sup", role: .supervisor, hallID: "main") }
        #expect(try DeviceIdentity(name: "box", role: .boxOffice, hallID: nil).hallID == nil)
        #expect(DeviceRole(rawValue: "box-office") == .boxOffice)
    }
}

@Suite("Enrollment codes and device secrets")
struct EnrollmentCodeTests {
    static let fingerprint = CertificateFingerprint(der: [1, 2, 3])

    @Test func aCodeRoundTripsThroughItsText() throws {
        let secret = DeviceSecret.random()
        for server in ["door-server.local:50051", "10.0.0.5:443", "[fe80::1]:50051"] {
            let code = EnrollmentCode(server: server, secret: secret, fingerprint: Self.fingerprint)
            #expect(code.text.hasPrefix("usher-enroll:v1?server="))
            #expect(try EnrollmentCode(parsing: code.text) == code)
            #expect(try EnrollmentCode(parsing: " \(code.text)\n") == code, "a scanner's trailing newline is fine")
        }
    }

    @Test(arguments: [
        "", "U1.AAAA", "usher-enroll:v2?server=a:1",
        "usher-enroll:v1?server=a:1&secret=short&sha256=" + String(repeating: "0", count: 64),
        "usher-enroll:v1?server=a&secret=\(String(repeating: "A", count: 43))&sha256=" + String(repeating: "0", count: 64),
        "usher-enroll:v1?server=a:99999&secret=\(String(repeating: "A", count: 43))&sha256=" + String(repeating: "0", count: 64),
        "usher-enroll:v1?server=a b:1&secret=\(String(repeating: "A", count: 43))&sha256=" + String(repeating: "0", count: 64),
        "usher-enroll:v1?server=a:1&secret=\(String(repeating: "A", count: 43))&sha256=abc",
        "usher-enroll:v1?server=a:1&secret=\(String(repeating: "A", count: 43))",
        "usher-enroll:v1?server=a:1&secret=\(String(repeating: "A", count: 43))&sha256=" + String(repeating: "0", count: 600),
    ])
    func malformedCodesAreRefused(_ text: String) {
        #expect(throws: InputError.self) { try EnrollmentCode(parsing: text) }
    }

    @Test func secretsAreRandomAndOnlyTheirDigestIsKept() {
        let a = DeviceSecret.random(), b = DeviceSecret.random()
        #expect(a != b && a.count == 43 && DeviceSecret.isWellFormed(a))
        #expect(DeviceSecret.digest(a).count == 32 && DeviceSecret.digest(a) != DeviceSecret.digest(b))
        #expect(!DeviceSecret.isWellFormed(String(a.dropLast())) && !DeviceSecret.isWellFormed(a + "A"))
    }

    @Test func fingerprintsParseTheFormsOperatorsCopy() {
        let hex = Self.fingerprint.hex
        #expect(hex.count == 64)
        #expect(CertificateFingerprint(hex: hex.uppercased()) == Self.fingerprint)
        let pairs = stride(from: 0, to: 64, by: 2).map { String(Array(hex)[$0..<$0 + 2]) }.joined(separator: ":")
        #expect(CertificateFingerprint(hex: pairs) == Self.fingerprint)
        #expect(CertificateFingerprint(hex: String(hex.dropLast())) == nil)
        #expect(CertificateFingerprint(hex: String(hex.dropLast()) + "g") == nil)
    }
}
