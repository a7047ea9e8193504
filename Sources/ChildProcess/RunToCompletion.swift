import Subprocess

extension Command {
    /// Runs the program to its end and returns how it ended and what it printed.
    ///
    /// - Never waits on a pipe: output goes to a file (see ``OutputFile``), so a
    ///   child that leaves a daemon behind returns as soon as the child itself exits.
    /// - After `timeout` the child's process group gets SIGTERM, then SIGKILL after
    ///   `grace`, and ``CommandError/timedOut(command:after:output:)`` carries what it
    ///   printed so far.
    /// - If the calling task is cancelled the child's group is stopped the same way,
    ///   and this throws `CancellationError` once the child is gone. A task that is
    ///   already cancelled starts nothing.
    /// - A non-zero exit (or a signal) throws ``CommandError/failed(_:)`` unless
    ///   `allowFailure`.
    @discardableResult
    public func run(
        timeout: Duration = .seconds(60), grace: Duration = .seconds(5), capture: OutputCapture = .combined,
        allowFailure: Bool = false
    ) async throws -> CommandResult {
        try Task.checkCancellation()
        let configuration = try configuration(grace: grace)
        let output = capture == .discarded ? try OutputFile(discardingFor: description) : try OutputFile(for: description)
        let errors = capture == .separate ? try OutputFile(for: description) : output

        let termination: Termination? = try await withThrowingTaskGroup(of: Termination?.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration, input: .none, output: output.childEnd, error: errors.childEnd)
                    return Termination(result.terminationStatus)
                } catch {
                    throw self.translate(error)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            // The first to finish decides; cancelling the other either stops the
            // timer or (on a timeout) makes swift-subprocess stop the child, and the
            // group waits for that before it returns.
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        try Task.checkCancellation()
        guard let termination else {
            throw CommandError.timedOut(command: description, after: timeout, output: output.contents())
        }
        let result = CommandResult(
            command: description, termination: termination, output: output.contents(),
            errorOutput: capture == .separate ? errors.contents() : "")
        if !result.succeeded && !allowFailure { throw CommandError.failed(result) }
        return result
    }
}

extension Command {
    /// ``run(timeout:grace:capture:allowFailure:)`` for cleanup that must happen even
    /// when the calling task is cancelled (stopping a database or broker that the
    /// cancelled work started; ``run(timeout:grace:capture:allowFailure:)`` would
    /// refuse to start). It runs in a task of its own, which the caller's
    /// cancellation does not reach, and is awaited here: nothing is left running,
    /// and `timeout` still bounds it.
    @discardableResult
    public func runEvenIfCancelled(
        timeout: Duration = .seconds(60), grace: Duration = .seconds(5), capture: OutputCapture = .combined,
        allowFailure: Bool = false
    ) async throws -> CommandResult {
        try await Task {
            try await run(timeout: timeout, grace: grace, capture: capture, allowFailure: allowFailure)
        }.value
    }
}
