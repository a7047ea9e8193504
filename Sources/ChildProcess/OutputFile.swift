#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a child's output goes: an already-unlinked temporary file, never a pipe.
///
/// A pipe is read until EOF, and EOF comes only when every process holding the
/// write end is gone; a child that leaves a daemon behind (`pg_ctl start`, `tmux
/// new-session`, `sh -c 'x &'`) would keep the reader waiting. A file has no EOF
/// to wait for: the child's end is just a descriptor, whoever holds it may keep
/// writing, and we read what is there whenever we like (after the exit, or "so
/// far" on a timeout). Unlinked at once, so nothing is left in /tmp, whoever
/// keeps writing.
final class OutputFile: Sendable {
    let descriptor: Int32

    /// `command` only names the child in an error.
    init(for command: String) throws(CommandError) {
        let directory = Self.temporaryDirectory
        var template = Array("\(directory)/usher-child-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .couldNotStart(command: command, reason: "cannot create an output file in \(directory): \(Self.errorText())")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        // Close-on-exec: only the child we hand it to (by dup2 onto 1 and 2) gets it.
        // Append: the child and anything it starts share the offset, never overwrite.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_APPEND)
        self.descriptor = descriptor
    }

    /// /dev/null: for output nobody reads. (A descriptor too, so every child is wired the same way.)
    init(discardingFor command: String) throws(CommandError) {
        let descriptor = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .couldNotStart(command: command, reason: "cannot open /dev/null: \(Self.errorText())")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Everything written so far (invalid UTF-8 repaired, not refused).
    func contents() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset: off_t = 0
        while true {
            // pread: the child's file offset stays where its writes expect it.
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[..<count]
            offset += off_t(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static var temporaryDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
