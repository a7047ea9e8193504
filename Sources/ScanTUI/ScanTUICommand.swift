import ArgumentParser

@main
struct ScanTUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-tui",
        abstract: "The Usher door terminal: scan tickets, see the verdict at a glance.",
        subcommands: [Door.self, Decode.self, Check.self, Enroll.self],
        defaultSubcommand: Door.self)
}
