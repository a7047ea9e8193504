import Foundation
import TicketExport
import UsherCore

/// `bench`: speed checks that would be flaky as unit tests. Each prints one line
/// per measurement; scripts/bench.sh runs them in a release build.
///
///     bench export [COUNT [MAX_SECONDS]]   sign COUNT tickets, export QR PNGs + manifest
///     bench verify [COUNT [MAX_SECONDS]]   verify COUNT signed codes
///
/// With MAX_SECONDS the run fails (exit 1) when the measured step is slower.
@main
struct Bench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let count = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
        let limit = arguments.count > 2 ? Double(arguments[2]) : nil
        let seconds: Double
        switch arguments.first {
        case "export": seconds = try await export(count: count)
        case "verify": seconds = verify(count: count)
        default:
            FileHandle.standardError.write(Data("usage: bench export|verify [COUNT]\n".utf8))
            exit(2)
        }
        if let limit, seconds > limit {
            print(String(format: "FAILED: %.2f s is over the %.2f s target", seconds, limit))
            exit(1)
        }
    }

    static func claims(_ index: Int) -> TicketClaims {
        TicketClaims(
            seatID: "bench-event.stalls.R\(index / 100).\(index % 100 + 1)", eventID: "bench-event", hallID: "main",
            serial: 1, validFrom: Date(timeIntervalSince1970: 1_780_000_000), validUntil: Date(timeIntervalSince1970: 1_780_014_400))
    }

    static func export(count: Int) async throws -> Double {
        let signer = TicketSigningKey.generate()
        let clock = ContinuousClock()
        var tickets: [ExportTicket] = []
        let signing = clock.measure {
            tickets = (0..<count).map { index in
                let claims = claims(index)
                return ExportTicket(seatID: claims.seatID, ownerUserID: "owner-\(index)", ticketCode: TicketCode.issue(claims, signer: signer))
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usher-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = clock.now
        try await TicketExporter.export(tickets, to: directory)
        let writing = clock.now - start
        report("sign", count: count, elapsed: signing)
        return report("export (QR PNG + manifest)", count: count, elapsed: writing)
    }

    static func verify(count: Int) -> Double {
        let signer = TicketSigningKey.generate()
        let keyring = TicketKeyring(signer: signer)
        let codes = (0..<count).map { TicketCode.issue(claims($0), signer: signer) }
        var valid = 0
        let elapsed = ContinuousClock().measure {
            for code in codes where (try? TicketCode.verify(code, keyring: keyring).get()) != nil { valid += 1 }
        }
        precondition(valid == count, "every benchmark code must verify")
        return report("verify", count: count, elapsed: elapsed)
    }

    @discardableResult
    static func report(_ name: String, count: Int, elapsed: Duration) -> Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%@: %d in %.2f s (%.0f/s)", name, count, seconds, Double(count) / seconds))
        return seconds
    }
}
