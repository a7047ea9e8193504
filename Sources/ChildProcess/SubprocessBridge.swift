import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The settings every child of ours gets from swift-subprocess.
extension Command {
    func configuration(grace: Duration) throws(CommandError) -> Configuration {
        var options = PlatformOptions()
        // Its own process group (setpgid(0, 0) at spawn), so that stopping the child
        // stops what it started too: `sh -c`'s commands, runuser's child, a hung
        // grandchild. A daemon that calls setsid (the postmaster, a tmux server)
        // leaves the group, as it means to.
        options.processGroupID = 0
        // On a timeout, a cancelled task, or the end of withRunning: SIGTERM to the
        // group, then (swift-subprocess always ends with it) SIGKILL to the group.
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: grace)]
        // swift-subprocess already starts every child with no signal blocked and
        // every disposition at its default (POSIX_SPAWN_SETSIGMASK|SETSIGDEF over all
        // signals), which Dispatch/concurrency threads (signals blocked) and NIO
        // (SIGPIPE ignored) would otherwise hand down; nothing to add here.

        var environment: [Environment.Key: String] = [:]
        for (name, value) in self.environment {
            guard let key = Environment.Key(rawValue: name) else {
                throw .couldNotStart(command: description, reason: "bad environment variable name \(name)")
            }
            environment[key] = value
        }
        return Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: .custom(environment),
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options)
    }

    /// swift-subprocess's error, said in our words.
    func translate(_ error: any Error) -> any Error {
        guard let error = error as? SubprocessError else { return error }
        if error.code == .executableNotFound {
            return CommandError.notFound(command: description, path: executable.contains("/") ? nil : environment["PATH"])
        }
        return CommandError.couldNotStart(command: description, reason: error.description)
    }
}

extension Termination {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal): self = .signaled(signal)
        }
    }
}

extension OutputFile {
    /// The child's end: the same open file, shared, left open for us to read.
    var childEnd: FileDescriptorOutput {
        .fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: false)
    }
}
