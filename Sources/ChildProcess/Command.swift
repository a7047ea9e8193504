/// A program to run as a child process: what, with which arguments, in exactly
/// which environment. The one way this project starts a child (code and tests):
/// ``run(timeout:grace:capture:allowFailure:)`` for a program that finishes,
/// ``withRunning(grace:_:)`` for one that runs alongside the caller.
public struct Command: Sendable, CustomStringConvertible {
    /// An absolute path, or a name looked up in `environment["PATH"]` (never the
    /// current directory).
    public var executable: String
    public var arguments: [String]
    /// The child's whole environment: nothing of ours leaks in unless it is
    /// listed here (a caller's PG* or TMUX variables must not steer the child).
    public var environment: [String: String]
    public var workingDirectory: String?

    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = Command.basicEnvironment,
        workingDirectory: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// Enough for ordinary tools: the system PATH and a UTF-8 locale.
    public static let basicEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL": "C.UTF-8"]

    /// The command line, for error messages.
    public var description: String {
        ([executable] + arguments).map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
