import ChildProcess
import Foundation

/// A private tmux server for driving a terminal program as a person would:
/// type, press keys, resize, read the screen.
struct Tmux: Sendable {
    let socket: String
    /// The tmux server's pid, for ``kill()``.
    private(set) var serverPID: Int32 = 0
    /// The session's own XDG_STATE_HOME, so a door's offline store is never the
    /// user's, nor another test's; removed by ``kill()``.
    let stateHome: String

    static func start(_ command: String, width: Int = 100, height: Int = 30) async throws -> Tmux {
        let name = "usher-tmux-\(UUID().uuidString)"
        let temporary = FileManager.default.temporaryDirectory
        var tmux = Tmux(
            socket: temporary.appendingPathComponent("\(name).sock").path,
            stateHome: temporary.appendingPathComponent("\(name)-state").path)
        try await tmux.run([
            "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
            "env LANG=C.UTF-8 TERM=xterm-256color XDG_STATE_HOME=\(tmux.stateHome) \(command); echo EXIT_CODE=$?; sleep 600",
        ])
        let pid = try? await tmux.run(["display-message", "-p", "#{pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let serverPID = pid.flatMap({ Int32($0) }), serverPID > 0 else {
            _ = try? await tmux.run(["kill-server"])
            throw TestFailure("tmux did not say its server's pid: \(pid ?? "no answer")")
        }
        tmux.serverPID = serverPID
        return tmux
    }

    func capture() async throws -> String { try await run(["capture-pane", "-p"]) }

    /// Types `text` as one burst, the way a wedge scanner does.
    func type(_ text: String) async throws { try await run(["send-keys", "-l", text]) }

    func press(_ key: String) async throws { try await run(["send-keys", key]) }

    /// A scanner's whole scan: the code and Enter in one tmux command, so they arrive
    /// milliseconds apart as from a real scanner. (Two tmux invocations can be more
    /// than the idle gap apart on a loaded machine, and the terminal then rightly
    /// drops the unterminated burst.)
    func scan(_ code: String) async throws { try await run(["send-keys", "-l", code, ";", "send-keys", "Enter"]) }

    func resize(width: Int, height: Int) async throws { try await run(["resize-window", "-x", "\(width)", "-y", "\(height)"]) }

    /// Synchronous, for `defer` (which also runs when a test is cancelled or times
    /// out). SIGTERM is what `tmux kill-server` sends the server; sent directly, no
    /// child process is needed. The server hangs up its panes (scan-tui and the
    /// trailing sleep get SIGHUP) and removes its socket.
    func kill() {
        if serverPID > 0 { _ = Glibc.kill(serverPID, SIGTERM) }
        unlink(socket)
        try? FileManager.default.removeItem(atPath: stateHome)
    }

    /// Polls the screen until `text` is on it; returns the screen.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await waitUntil("\"\(text)\" on the screen", within: timeout, every: .milliseconds(50), observe: {
            Screen(text: try await capture())
        }) { $0.text.contains(text) }.value.text
    }

    /// A captured screen, shown whole (not quoted) when a wait fails.
    private struct Screen: Sendable, CustomStringConvertible {
        var text: String
        var description: String { "the screen:\n\(text)" }
    }

    /// `new-session` leaves the tmux server running as a daemon; Command returns
    /// when the tmux client exits all the same.
    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["TMUX"] = nil
        let result = try await Command("/usr/bin/tmux", ["-S", socket] + arguments, environment: environment)
            .run(timeout: .seconds(20), allowFailure: true)
        guard result.succeeded else { throw TestFailure("tmux \(arguments.first ?? "") \(result.termination): \(result.output)") }
        return result.output
    }
}

/// Running processes of `program` (by the name in argv[0]) with an argument that
/// contains `text`: how a test finds the one scan-tui a tmux session started, to
/// SIGKILL it as a power cut would. (The session's shell names the same arguments
/// in its own command line; it is not the program.)
func processes(of program: String = "scan-tui", commandContaining text: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(pid_t.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), isAlive(pid) else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let first = arguments.first, URL(fileURLWithPath: first).lastPathComponent == program else { return false }
        return arguments.dropFirst().contains { $0.contains(text) }
    }
}
