import Testing
import UsherCore

@Suite("Input rules and ticket codes")
struct InputRulesTests {
    @Test(arguments: ["a", "main.stalls.A.12", "user@example.com", "scan-9f8e:1+x", String(repeating: "x", count: 128)])
    func acceptsIdentifiers(_ value: String) {
        #expect(InputRules.isIdentifier(value))
    }

    @Test(arguments: ["", " ", "a b", "a\nb", "é", "a/b", "a;DROP TABLE seats", String(repeating: "x", count: 129), "\u{0}"])
    func rejectsIdentifiers(_ value: String) {
        #expect(!InputRules.isIdentifier(value))
        #expect(throws: InputError.self) { try InputRules.identifier(value, field: "seat_id") }
    }

    @Test func holdSeconds() throws {
        #expect(try InputRules.holdSeconds(0) == 300)
        #expect(try InputRules.holdSeconds(1) == 1)
        #expect(try InputRules.holdSeconds(3600) == 3600)
        #expect(throws: InputError.self) { try InputRules.holdSeconds(-1) }
        #expect(throws: InputError.self) { try InputRules.holdSeconds(3601) }
    }

    @Test func freeText() throws {
        #expect(try InputRules.freeText("", field: "reason") == "")
        #expect(try InputRules.freeText("payment failed", field: "reason") == "payment failed")
        #expect(throws: InputError.self) { try InputRules.freeText("bad\u{7}bell", field: "reason") }
        #expect(throws: InputError.self) { try InputRules.freeText(String(repeating: "x", count: 501), field: "reason") }
    }

    @Test func ticketCodeSize() throws {
        #expect(throws: InputError.self) { try InputRules.ticketCode("") }
        #expect(throws: InputError.self) { try InputRules.ticketCode(String(repeating: "x", count: TicketCode.maximumLength + 1)) }
        #expect(try InputRules.ticketCode("x") == "x")
    }
}

/// How a search reads what staff typed.
@Suite struct SeatSearchTests {
    @Test(arguments: [
        ("A 12", "A", 12), ("a-12", "A", 12), ("A12", "A", 12), ("row b seat 3", "B", 3), ("10 2", "10", 2),
        ("AA/7", "AA", 7),
    ])
    func aRowAndASeat(text: String, row: String, number: Int) throws {
        let seat = try #require(try SeatSearch(text).seat)
        #expect(seat.row == row && seat.number == number)
    }

    @Test(arguments: ["102", "alice", "A", "A 0", "A B C"])
    func notASeat(text: String) throws {
        #expect(try SeatSearch(text).seat == nil, "\(text)")
    }

    @Test func emptyOrLongIsRefused() {
        #expect(throws: InputError.self) { try SeatSearch("  ") }
        #expect(throws: InputError.self) { try SeatSearch(String(repeating: "x", count: 65)) }
        #expect(throws: InputError.self) { try SeatSearch("a\u{7}b") }
    }
}
