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
