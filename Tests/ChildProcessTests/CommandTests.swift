import ChildProcess
import Foundation
import Testing

/// The one process API: children end when we say so, and never hang us.
@Suite("Running child processes", .timeLimit(.minutes(1)))
struct CommandTests {
    @Test func outputStatusAndTheExactEnvironment() async throws {
        let result = try await Command("/usr/bin/env", environment: ["ONLY": "this"]).run()
        #expect(result.succeeded && result.output == "ONLY=this\n", "\(result.output)")

        let failed = try await Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).run(allowFailure: true)
        #expect(failed.termination == .exited(3) && failed.output == "out\nerr\n")

        let apart = try await Command("/bin/sh", ["-c", "echo out; echo err >&2"]).run(capture: .separate)
        #expect(apart.output == "out\n" && apart.errorOutput == "err\n")

        await #expect {
            try await Command("/bin/sh", ["-c", "echo why; exit 4"]).run()
        } throws: { error in
            guard case CommandError.failed(let result) = error else { return false }
            return result.status == 4 && "\(error)".contains("why")
        }
    }

    /// Dispatch and concurrency threads block signals and NIO ignores SIGPIPE; a
    /// child must inherit neither, or e.g. a tmux server never hears SIGTERM.
    @Test func childrenStartWithNoSignalBlockedOrIgnored() async throws {
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let status = try await Command("/bin/grep", ["-E", "^Sig(Blk|Ign)", "/proc/self/status"]).run().output
        // Masks of signals 64..1. glibc's posix_spawn itself leaves its two internal
        // real-time signals (32, 33: thread cancel, setxid) ignored in every child;
        // nobody sends those to another program, so only 1...31 are checked.
        let masks = status.split(separator: "\n").compactMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        #expect(masks.count == 2 && masks.allSatisfy { $0 & 0x7FFF_FFFF == 0 }, "\(status)")
    }

    @Test func aTimeoutStopsTheChildAndItsChildrenAndSaysWhatTheyPrinted() async throws {
        // sh waits for a background sleep: the group signal must reach both.
        let command = Command("/bin/sh", ["-c", "echo started $$; sleep 100 & echo sleeper $!; wait"])
        let start = ContinuousClock.now
        var printed = ""
        await #expect {
            try await command.run(timeout: .milliseconds(800), grace: .milliseconds(500))
        } throws: { error in
            guard case CommandError.timedOut(let what, _, let output) = error else { return false }
            printed = output
            return what.hasPrefix("/bin/sh -c") && "\(error)".contains("did not finish within")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(printed.contains("started") && printed.contains("sleeper"), "\(printed)")
        for pid in pids(in: printed) { #expect(await gone(pid), "pid \(pid) outlived the timeout") }
    }

    @Test func aChildIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let command = Command("/bin/sh", ["-c", "trap '' TERM; echo stubborn $$; while :; do sleep 1; done"])
        let start = ContinuousClock.now
        var printed = ""
        await #expect {
            try await command.run(timeout: .milliseconds(500), grace: .milliseconds(500))
        } throws: { error in
            guard case CommandError.timedOut(_, _, let output) = error else { return false }
            printed = output
            return true
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        for pid in pids(in: printed) { #expect(await gone(pid)) }
    }

    /// "A test that is cancelled or times out takes its children with it."
    @Test func cancellingTheTaskStopsTheChild() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("usher-child-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let start = ContinuousClock.now
        let outcome: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                do {
                    try await Command("/bin/sh", ["-c", "echo $$ > \(pidFile.path); exec sleep 100"]).run(timeout: .seconds(50))
                    return nil
                } catch {
                    return error
                }
            }
            while (try? String(contentsOf: pidFile, encoding: .utf8))?.hasSuffix("\n") != true {
                try? await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
            return await group.next()!
        }
        #expect(outcome is CancellationError, "\(String(describing: outcome))")
        #expect(ContinuousClock.now - start < .seconds(10))
        let pid = try #require(Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await gone(pid))
    }

    /// `pg_ctl start`, `tmux new-session`: the child exits, a daemon it started keeps
    /// our output descriptor. We must return when the child exits.
    @Test func aChildThatLeavesADaemonBehindDoesNotHangTheCall() async throws {
        let start = ContinuousClock.now
        let result = try await Command("/bin/sh", ["-c", "sleep 100 & echo started $!"]).run(timeout: .seconds(20))
        #expect(ContinuousClock.now - start < .seconds(5))
        let daemon = try #require(pids(in: result.output).first)
        #expect(result.output == "started \(daemon)\n")
        #expect(!(await gone(daemon, within: .zero)), "left running: it is a daemon, not ours to stop")
        kill(daemon, SIGKILL)
    }

    @Test func aMissingProgramIsAClearError() async throws {
        await #expect {
            try await Command("/nonexistent/usher-program", ["x"]).run()
        } throws: { error in
            guard case CommandError.notFound = error else { return false }
            return "\(error)" == "cannot run /nonexistent/usher-program x: no such program"
        }
        await #expect {
            try await Command("usher-no-such-program", environment: ["PATH": "/usr/bin:/bin"]).run()
        } throws: { error in
            "\(error)" == "cannot run usher-no-such-program: no such program (PATH=/usr/bin:/bin)"
        }
        // Found by name on the given PATH.
        #expect(try await Command("true", environment: ["PATH": "/usr/bin:/bin"]).run().succeeded)
    }

    @Test func aLongRunningChildCanBeSignalledAndAwaited() async throws {
        let command = Command("/bin/sh", ["-c", "trap 'echo bye; exit 7' TERM; echo ready; while :; do sleep 0.1; done"])
        let ended = try await command.withRunning { server in
            while !server.output().contains("ready") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.isRunning)
            await #expect(throws: CommandError.self) { try await server.waitForExit(timeout: .milliseconds(200)) }
            try server.send(SIGTERM)
            let termination = try await server.waitForExit(timeout: .seconds(5))
            #expect(server.output() == "ready\nbye\n")
            return termination
        }
        #expect(ended == .exited(7))
    }

    @Test func aLongRunningChildIsStoppedWhenTheBodyEnds() async throws {
        let start = ContinuousClock.now
        let pid = try await Command("/bin/sleep", ["100"]).withRunning(grace: .seconds(2)) { $0.pid }
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(await gone(pid))

        struct Oops: Error {}
        var thrownPID: Int32 = 0
        await #expect(throws: Oops.self) {
            try await Command("/bin/sleep", ["100"]).withRunning { child in
                thrownPID = child.pid
                throw Oops()
            }
        }
        #expect(await gone(thrownPID))
    }

    // MARK: - helpers

    private func pids(in text: String) -> [Int32] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
    }

    /// Not running: no such process, or a zombie nobody has reaped yet (an orphan's
    /// parent, PID 1 here, may be slow to reap).
    private func gone(_ pid: Int32, within limit: Duration = .seconds(3)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let state = stat.split(separator: ")").last?.split(separator: " ").first, state == "Z" { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
