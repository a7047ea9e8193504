import Foundation

/// Files that hold secrets (TLS keys): created 0600 from the first byte, and
/// refused at start when others can read them. The ticket signing key follows the
/// same rule in ``KeyFiles``.
enum PrivateFiles {
    enum PrivateFileError: Error, CustomStringConvertible {
        case cannotCreate(String, String)
        case tooOpen(String)

        var description: String {
            switch self {
            case .cannotCreate(let path, let why): "cannot create \(path): \(why)"
            case .tooOpen(let path): "\(path) holds a private key but others can read it; chmod 600 it"
            }
        }
    }

    static func create(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PrivateFileError.cannotCreate(path, String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(contents.utf8))
        try handle.synchronize()
    }

    static func refuseIfOpen(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & 0o077 != 0 { throw PrivateFileError.tooOpen(path) }
    }
}
