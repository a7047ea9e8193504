import Foundation

/// Runs a short-lived helper program (initdb, pg_ctl) and waits for it without
/// blocking a concurrency thread: the wait is a continuation resumed by the
/// process's termination handler.
enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "\(command) exited with \(status): \(output)" }
    }

    /// Runs `arguments` (first element is the program path). Returns combined output.
    /// Throws ``Failure`` on a non-zero exit unless `allowFailure`.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil, allowFailure: Bool = false)
        async throws -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        // Output goes to a file, not a pipe: a chatty child can never block on a full pipe.
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("usher-proc-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let handle = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? handle.close()
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        if status != 0 && !allowFailure {
            throw Failure(command: arguments.joined(separator: " "), status: status, output: output)
        }
        return (status, output)
    }
}
