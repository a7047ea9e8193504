import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A damaged store is renamed aside, never deleted: its journal may hold scans the
/// server has not seen, and an operator can still read most of it with the sqlite3
/// shell. The original path is then free, so the next start makes a fresh store.
/// (SQLite itself deletes a WAL when the failed connection closes only after writing
/// its frames into the main file, or when it holds no valid frame: nothing committed
/// is lost either way.)
enum CorruptFile {
    /// Renames `path` to `<path>.<label>-<UTC yyyyMMdd'T'HHmmss'Z'>` (with "-2", "-3"…
    /// when that name is taken) and its -wal and -shm to the same name plus the same
    /// suffix, so SQLite still pairs them. The -wal goes first: a fresh store must
    /// never find the old store's WAL beside it and replay it.
    /// - Returns: the kept path of the main file.
    static func keepAside(_ path: String, now: Date, label: String = "corrupt") throws(DoorStoreError) -> String {
        let base = path + ".\(label)-" + stamp(now)
        var kept = base
        var attempt = 1
        while exists(kept) || exists(kept + "-wal") || exists(kept + "-shm") {
            attempt += 1
            kept = base + "-\(attempt)"
        }
        for suffix in ["-wal", "-shm", ""] where exists(path + suffix) {
            guard rename(path + suffix, kept + suffix) == 0 else {
                throw .cannotOpen(
                    path: path,
                    why: "it could not be moved aside to \(kept + suffix): \(StoreFile.lastError()); "
                        + "move it away by hand (do not delete it: it may hold un-uploaded scans)")
            }
        }
        return kept
    }

    /// "20261121T190211Z", by hand: no DateFormatter, no locale.
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}
