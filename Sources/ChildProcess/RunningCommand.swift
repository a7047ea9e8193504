import Subprocess

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Command {
    /// Starts the program and runs `body` alongside it (a server under test, say).
    /// The child never outlives the call: when `body` returns or throws, or the task
    /// is cancelled, a child still running gets SIGTERM (to its process group), then
    /// SIGKILL after `grace`. Standard output and standard error go together into
    /// ``RunningCommand/output()``.
    public func withRunning<Result: Sendable>(
        grace: Duration = .seconds(5), _ body: (RunningCommand) async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let configuration = try configuration(grace: grace)
        let command = description
        let output = try OutputFile(for: command)
        do {
            let result = try await Subprocess.run(
                configuration, input: .none, output: output.childEnd, error: output.childEnd
            ) { execution in
                let value = try await body(RunningCommand(pid: execution.processIdentifier.value, output: output, command: command))
                // swift-subprocess waits for the child after the body, however long it
                // runs; make that wait short. (If `body` threw, it tears down itself.)
                await execution.teardown(using: configuration.platformOptions.teardownSequence)
                return value
            }
            try Task.checkCancellation()
            return result.closureResult
        } catch {
            throw translate(error)
        }
    }
}

/// A child started by ``Command/withRunning(grace:_:)``, valid inside that call.
public struct RunningCommand: Sendable {
    public let pid: Int32
    fileprivate let file: OutputFile
    fileprivate let command: String

    fileprivate init(pid: Int32, output: OutputFile, command: String) {
        self.pid = pid
        self.file = output
        self.command = command
    }

    /// What it has printed so far (standard output and standard error, as written).
    public func output() -> String { file.contents() }

    /// How it ended, or nil while it runs. Peeks without reaping (WNOWAIT):
    /// swift-subprocess reaps it, after `withRunning`'s body.
    public var termination: Termination? {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
            guard errno == EINTR else { return nil }
        }
        guard info._sifields._sigchld.si_pid == pid else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? .exited(status) : .signaled(status)
    }

    public var isRunning: Bool { termination == nil }

    /// Sends `signal` (SIGTERM, SIGKILL, SIGINT...) to the child alone.
    public func send(_ signal: Int32) throws {
        // The zombie keeps the pid ours until swift-subprocess reaps it after the body,
        // so this cannot hit a stranger.
        guard kill(pid, signal) == 0 else {
            throw CommandError.couldNotSignal(command: command, signal: signal, reason: String(cString: strerror(errno)))
        }
    }

    /// Waits for the child to end by itself (after a signal, say), at most `timeout`.
    /// Throws ``CommandError/timedOut(command:after:output:)`` if it is still running
    /// then; it is not stopped here (the end of `withRunning` does that).
    @discardableResult
    public func waitForExit(timeout: Duration) async throws -> Termination {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination { return termination }
            guard ContinuousClock.now < deadline else {
                throw CommandError.timedOut(command: command, after: timeout, output: output())
            }
            // Polling a peek: the exit notification belongs to swift-subprocess's
            // monitor, and 20 ms is nothing next to what tests wait for.
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
