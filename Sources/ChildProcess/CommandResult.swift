/// How a child ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// The shell's convention: the exit code, or 128 + the signal number.
    public var status: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A finished child: how it ended and what it printed.
public struct CommandResult: Sendable {
    public let command: String
    public let termination: Termination
    /// Standard output; with ``OutputCapture/combined`` standard error too, interleaved as written.
    public let output: String
    /// Standard error with ``OutputCapture/separate``; empty otherwise.
    public let errorOutput: String

    /// The exit code, or 128 + the signal number.
    public var status: Int32 { termination.status }
    public var succeeded: Bool { termination == .exited(0) }
}

/// What to keep of a child's standard output and standard error.
public enum OutputCapture: Sendable {
    /// Both into ``CommandResult/output``, as a terminal would show them (`2>&1`).
    case combined
    /// Standard output and standard error apart.
    case separate
    /// Neither (both go to /dev/null).
    case discarded
}
