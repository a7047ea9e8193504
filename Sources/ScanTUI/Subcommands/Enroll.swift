import ArgumentParser
import Foundation
import InventoryClient
import UsherCore

extension ScanTUICommand {
    /// `scan-tui enroll CODE`: makes this terminal a device the server knows. The
    /// code (from `inventory-server devices add`) names the server and its
    /// certificate's fingerprint; the call is TLS pinned to that fingerprint, so a
    /// code is safe to use on any network. Nothing is written unless it succeeds.
    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll this terminal with an enrollment code and store its credential (device.json, mode 0600).")

        @Argument(help: "The enrollment code: usher-enroll:v1?server=…&secret=…&sha256=…")
        var code: String

        @Option(help: ArgumentHelp("Where to store the credential (env USHER_CREDENTIAL). Default: $XDG_CONFIG_HOME/usher/device.json.", valueName: "file"))
        var credential: String?

        @Flag(help: "Replace a credential this terminal already has.")
        var force = false

        func run() async throws {
            let path = credential ?? CredentialFile.defaultPath()
            let parsed: EnrollmentCode
            do {
                parsed = try EnrollmentCode(parsing: code)
            } catch {
                throw ValidationError("\(error)")
            }
            if CredentialFile.exists(path) && !force {
                let current = (try? CredentialFile.load(path)).map { " as \($0.name)" } ?? ""
                throw ValidationError("this terminal is already enrolled\(current) (\(path)); --force replaces it")
            }
            let enrolled: DeviceCredential
            do {
                enrolled = try await CredentialFile.enroll(parsed, storingAt: path)
            } catch .local(let why) {
                throw ValidationError(why)
            } catch .server(let why) {
                FileHandle.standardError.write(Data("scan-tui: enrollment failed: \(why)\n".utf8))
                throw ExitCode(3)
            }
            print("enrolled as \(enrolled.summary) with \(enrolled.server); credential in \(path)")
        }
    }
}
