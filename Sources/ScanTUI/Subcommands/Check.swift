import ArgumentParser
import Foundation
import InventoryClient
import Logging
import ScanModel
import UsherCore

extension ScanTUICommand {
    /// `scan-tui check CODE --hall H`: one verdict, for scripts and support staff.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check one ticket code and print its verdict.",
            discussion: """
                Exit status: 0 SUCCESS, 10 DUPLICATE, 11 WRONG_HALL, 12 UNPAID, 13 NOT_FOUND, 14 EXPIRED, \
                3 when the server could not give a verdict, 2 for usage errors.
                """)

        @Argument(help: "The ticket code (what the QR code holds).")
        var code: String

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Admit the guest (MarkCheckedIn) instead of only checking (VerifyTicket).")
        var admit = false

        @Flag(help: "ASCII output.")
        var ascii = false

        static func exitCode(for result: ScanResult) -> Int32 {
            switch result {
            case .success: 0
            case .duplicate: 10
            case .wrongHall: 11
            case .unpaid: 12
            case .notFound: 13
            case .expired: 14
            }
        }

        func run() async throws {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            let door = try connection.door()
            let configuration = try connection.clientConfiguration(logger: Logger(label: "usher.scan-tui"))
            let code = self.code
            let admit = self.admit
            let outcome: Result<ScanReport, InventoryClientError> = try await withInventoryClient(configuration) { client in
                do throws(InventoryClientError) {
                    // One scan, one id: the client's own retries of it reuse the id and are replayed.
                    if admit { return .success(try await client.markCheckedIn(code, at: door, scanID: UUID().uuidString.lowercased())) }
                    return .success(try await client.verifyTicket(code, at: door))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .failure(let error):
                FileHandle.standardError.write(Data("scan-tui: \(error.userMessage)\n".utf8))
                throw ExitCode(3)
            case .success(let report):
                let look = VerdictLook.of(report.result, ascii: ascii)
                print("\(look.glyph) \(look.word)")
                if let seat = report.seat {
                    print("seat: \(seat.seatID) (\(report.hallName ?? seat.hallID), \(seat.section) row \(seat.row) seat \(seat.number))")
                }
                print("reason: \(report.verdict.reason.rawValue)")
                if report.replayed { print("replayed: the answer this scan got before") }
                print(report.verdict.message)
                throw ExitCode(Self.exitCode(for: report.result))
            }
        }
    }
}
