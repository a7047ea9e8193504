import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the store lives and who may read it. The journal holds ticket codes, so the
/// file is the user's alone (0600) and so is any directory we create for it (0700).
/// SQLite gives its -wal and -shm files the main file's mode.
enum StoreFile {
    /// A hall id as a file-name part: [A-Za-z0-9._-] kept, anything else "_", so an
    /// id can never climb out of the directory or hide a separator.
    static func sanitised(_ hallID: String) -> String {
        String(
            String.UnicodeScalarView(
                hallID.unicodeScalars.map { scalar in
                    switch scalar {
                    case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": scalar
                    default: "_"
                    }
                }))
    }

    /// `$XDG_STATE_HOME` counts only when absolute, as the XDG spec says.
    static func stateDirectory(environment: [String: String]) -> URL {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return URL(fileURLWithPath: state, isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            .map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/state", isDirectory: true)
    }

    /// Makes the missing directories (0700) and the file (0600), and tightens an
    /// existing file that is looser. Existing directories are left as they are: they
    /// may be shared (a test's temp dir, /tmp), and the file's own mode protects it.
    static func prepare(_ path: String) throws(DoorStoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectories(directory, for: path)
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw .cannotOpen(path: path, why: "cannot create the file: \(lastError())")
        }
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            if info.st_mode & 0o777 != 0o600, chmod(file, 0o600) != 0 {
                throw .cannotOpen(path: path, why: "cannot make \(file) private (mode 0600): \(lastError())")
            }
        }
    }

    private static func makeDirectories(_ directory: String, for path: String) throws(DoorStoreError) {
        var missing: [String] = []
        var current = directory
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for dir in missing.reversed() {
            if mkdir(dir, 0o700) != 0, errno != EEXIST {
                throw .cannotOpen(path: path, why: "cannot create the directory \(dir): \(lastError())")
            }
            // The umask may have taken bits away; never added. Set exactly 0700.
            if chmod(dir, 0o700) != 0 {
                throw .cannotOpen(path: path, why: "cannot make \(dir) private (mode 0700): \(lastError())")
            }
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
