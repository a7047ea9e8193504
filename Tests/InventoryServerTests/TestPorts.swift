import Foundation
import Synchronization

/// Ports for test listeners that must be chosen before they listen (a server
/// restarted where its clients expect it, a broker's AMQP port), taken from below
/// the kernel's ephemeral range.
///
/// Why not "bind port 0, read it, close it": that port is in the ephemeral range
/// (32768–60999 by default), and until the listener binds it again any outgoing
/// connection of a concurrent test may be given it as its local port. The listener
/// then fails with EADDRINUSE; we saw it as a RabbitMQ node whose AMQP listener
/// could not start while sixteen doors were connecting next to it. Below the range
/// only listeners bind; this process hands each port out once and checks that it
/// is free right now.
enum TestPorts {
    /// Ports below the first ephemeral port (from /proc), 12,000 of them at most.
    static let range: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralLow = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        let upper = max(2048, min(ephemeralLow, 65536))
        return max(1024, upper - 12_000)..<upper
    }()

    private static let handedOut = Mutex<Set<Int>>([])

    /// A port in ``range`` that this process has not handed out and that nothing
    /// holds right now.
    static func next() throws -> Int {
        for _ in 0..<500 {
            let candidate = Int.random(in: range)
            let fresh = handedOut.withLock { $0.insert(candidate).inserted }
            if fresh, isFree(candidate) { return candidate }
        }
        throw TestFailure("no free test port in \(range) after 500 tries")
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// A TCP port for a listener to be started later (see ``TestPorts``).
func freePort() throws -> Int { try TestPorts.next() }

/// A TCP socket bound to a port the kernel picks on 127.0.0.1 (not yet listening);
/// the caller closes it.
func boundSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else {
        close(fd)
        throw TestFailure("bind failed")
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
