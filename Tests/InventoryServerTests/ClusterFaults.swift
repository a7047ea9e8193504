import Foundation
import InventoryStore

/// Faults a test can inflict on its own PostgreSQL cluster, beyond a clean stop.
extension EmbeddedPostgres {
    /// The postmaster's pid, from its pid file (nil when the cluster is down).
    var postmasterPID: pid_t? {
        guard let text = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = pid_t(first), kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    /// The postmaster and every backend and helper process it forked.
    var serverPIDs: [pid_t] {
        guard let postmaster = postmasterPID else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let children = entries.compactMap(pid_t.init).filter { pid in
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == postmaster
        }
        return [postmaster] + children
    }

    /// The database stops answering without closing anything: every server process
    /// is stopped (SIGSTOP), as a hung host or a network partition looks to clients.
    /// The postmaster first, so it forks no backend after the list is taken.
    func freeze() {
        guard let postmaster = postmasterPID else { return }
        kill(postmaster, SIGSTOP)
        for pid in serverPIDs { kill(pid, SIGSTOP) }
    }

    func thaw() { for pid in serverPIDs.reversed() { kill(pid, SIGCONT) } }

    /// A crash: SIGKILL to the postmaster and its children, no shutdown at all.
    /// The next ``start()`` runs crash recovery from the WAL.
    ///
    /// Returns once every process is dead (a zombie counts as dead), and removes the
    /// dead postmaster's lock files (postmaster.pid, and the socket's .lock): both pg_ctl
    /// and a starting postmaster judge "is the owner alive" by kill(pid, 0), which a
    /// zombie still passes until pid 1 reaps it; the launcher would adopt a cluster
    /// that is gone, or the new postmaster refuse to start. (PostgreSQL removes such
    /// files itself when their pid is truly gone.)
    func crash() async throws {
        let pids = serverPIDs
        for pid in pids { kill(pid, SIGKILL) }
        try await waitUntil("postgres processes dead after SIGKILL", within: .seconds(15), every: .milliseconds(50), observe: {
            pids.filter(isAlive)
        }) { $0.isEmpty }
        try? FileManager.default.removeItem(at: dataDirectory.appendingPathComponent("postmaster.pid"))
        try? FileManager.default.removeItem(atPath: socketPath + ".lock")
    }
}

/// Running: not gone, and not a zombie waiting to be reaped.
func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

struct ClusterFaultError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
