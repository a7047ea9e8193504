/// Why a child did not give a result. A task cancelled while its child runs gets
/// `CancellationError` instead, after the child is gone.
public enum CommandError: Error, CustomStringConvertible {
    /// No such program (or not executable) at the path, or nowhere on PATH.
    case notFound(command: String, path: String?)
    /// The system refused to start it (too many processes, bad working directory...).
    case couldNotStart(command: String, reason: String)
    /// It ran past its time limit and was stopped: SIGTERM to its process group,
    /// then SIGKILL after the grace period.
    case timedOut(command: String, after: Duration, output: String)
    /// It finished unsuccessfully and the caller did not allow that.
    case failed(CommandResult)
    /// A signal could not be sent to it.
    case couldNotSignal(command: String, signal: Int32, reason: String)

    public var description: String {
        switch self {
        case .notFound(let command, let path):
            "cannot run \(command): no such program" + (path.map { " (PATH=\($0))" } ?? "")
        case .couldNotStart(let command, let reason):
            "cannot run \(command): \(reason)"
        case .timedOut(let command, let after, let output):
            "\(command) did not finish within \(after) and was stopped; its output so far:\n\(output)"
        case .failed(let result):
            "\(result.command) \(result.termination): \(result.output)\(result.errorOutput)"
        case .couldNotSignal(let command, let signal, let reason):
            "cannot send signal \(signal) to \(command): \(reason)"
        }
    }
}
