import Foundation
import InventoryClient
import UsherCore

/// A terminal with no credential asks for its enrollment code before the door
/// opens. A keyboard-wedge scanner types the QR `inventory-server devices add`
/// printed, ending in Enter, exactly as it types a ticket; staff may also type or
/// paste it. Plain lines, before the full screen starts: there is nothing else to
/// show yet, and a failed attempt leaves a readable message above the next prompt.
enum EnrollAtTheDoor {
    static func run(credentialPath: String) async throws {
        print("This terminal is not enrolled yet (no \(credentialPath)).")
        while true {
            print("Scan the enrollment QR from `inventory-server devices add` (or type the code), then Enter; empty line quits:")
            // The prompt without a newline, written straight to the terminal.
            FileHandle.standardOutput.write(Data("> ".utf8))
            guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw EnrollmentAbandoned()
            }
            let code: EnrollmentCode
            do {
                code = try EnrollmentCode(parsing: line)
            } catch {
                print(EnrollmentCode.looksLikeOne(line) ? "That code is damaged: \(error)" : "That is not an enrollment code (a ticket?).")
                continue
            }
            do {
                let credential = try await CredentialFile.enroll(code, storingAt: credentialPath)
                print("Enrolled as \(credential.summary).")
                return
            } catch {
                print("Enrollment failed: \(error)")
            }
        }
    }

    struct EnrollmentAbandoned: Error, CustomStringConvertible {
        var description: String { "not enrolled: no enrollment code given" }
    }
}
