import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Which process owns a running embedded cluster: the one holding an exclusive
/// `flock` on its `owner.lock`. The kernel drops the lock when the owner dies, so
/// a cluster left behind by a crash is adopted (and later stopped) by the next
/// server, while a cluster a live server owns is only borrowed.
final class OwnerLock: Sendable {
    private let descriptor = Mutex<Int32>(-1)

    /// Takes the lock without waiting. True if this process holds it now.
    func tryAcquire(path: String) -> Bool {
        descriptor.withLock { fd in
            if fd >= 0 { return true }
            let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard opened >= 0 else { return false }
            guard flock(opened, LOCK_EX | LOCK_NB) == 0 else {
                close(opened)
                return false
            }
            fd = opened
            return true
        }
    }

    func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)  // closing the descriptor releases the flock
            fd = -1
        }
    }
}
