import ArgumentParser
import Foundation
import UsherCore

#if canImport(Glibc)
import Glibc
#endif

extension Devices {
    /// `devices set-pin NAME`: the PIN a supervisor types on a door to let a guest in
    /// anyway (OverrideCheckIn). Read from the terminal without echo, twice, or as
    /// one line from standard input when that is not a terminal (scripts). Never an
    /// argument: arguments are visible to every user in `ps`.
    struct SetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-pin",
            abstract: "Set the override PIN (4 to 8 digits) of a supervisor's or an admin's device; read from standard input.")

        @Argument(help: "The supervisor's or admin's device name.")
        var name: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let pin: String
            if isatty(STDIN_FILENO) == 1 {
                let first = try Self.readHidden(prompt: "PIN for \(name): ")
                let again = try Self.readHidden(prompt: "Again: ")
                guard first == again else { throw ValidationError("the two PINs differ; nothing was changed") }
                pin = first
            } else {
                guard let line = readLine(strippingNewline: true) else {
                    throw ValidationError("no PIN on standard input; nothing was changed")
                }
                pin = line
            }
            let name = name
            try await database.withStore(logger: logging.makeLogger()) { store in
                try await store.setSupervisorPIN(named: name, pin: pin)
            }
            print("set the override PIN of \(name)")
        }

        /// One line from the terminal with echo off; echo comes back whatever happens.
        private static func readHidden(prompt: String) throws -> String {
            var saved = termios()
            guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw ValidationError("cannot read the terminal's settings") }
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            FileHandle.standardError.write(Data(prompt.utf8))
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return readLine(strippingNewline: true) ?? ""
        }
    }
}
