import CSpawn
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a short-lived helper program (initdb, pg_ctl) and waits for it.
///
/// Not Foundation's `Process`: on Linux it learns of a child's exit through a
/// descriptor the child inherits, so a child that leaves a daemon behind
/// (`pg_ctl start` leaves the postmaster) never "exits". Here the child gets only
/// stdin (/dev/null) and one output file, every other descriptor is closed, and
/// the exit is collected with `waitpid` on a Dispatch thread, never on a
/// concurrency-pool thread. The child starts with no signal blocked (see
/// `usher_spawnattr_reset_signals`).
public enum ProcessRunner {
    public struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        public var description: String { "\(command) exited with \(status): \(output)" }
    }

    /// Runs `arguments` (the first is the program's absolute path) with exactly
    /// `environment`. Returns the exit status and the combined output.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String], allowFailure: Bool = false)
        async throws -> (status: Int32, output: String)
    {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("usher-proc-\(UUID().uuidString).log").path
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        usher_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let reset = usher_spawnattr_reset_signals(&attributes)
        guard reset == 0 else {
            throw Failure(command: arguments[0], status: -1, output: String(cString: strerror(reset)))
        }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw Failure(command: arguments[0], status: -1, output: String(cString: strerror(spawned)))
        }
        let childPID = pid
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var raw: Int32 = 0
                var waited = waitpid(childPID, &raw, 0)
                while waited == -1 && errno == EINTR { waited = waitpid(childPID, &raw, 0) }
                // Any other waitpid failure means we cannot know the outcome: report failure.
                continuation.resume(returning: waited == childPID ? usher_exit_code(raw) : -1)
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if status != 0 && !allowFailure {
            throw Failure(command: arguments.joined(separator: " "), status: status, output: output)
        }
        return (status, output)
    }
}
