import Foundation
import InventoryClient
import UsherCore

/// device.json: this terminal's credential (``DeviceCredential``), at
/// `$XDG_CONFIG_HOME/usher/device.json` unless told otherwise. It holds a secret, so
/// it is written 0600 in one step (a temporary file renamed into place: never half
/// written, never readable by others) and refused when others can read it.
enum CredentialFile {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["USHER_CREDENTIAL"], !explicit.isEmpty { return explicit }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/usher/device.json"
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func load(_ path: String) throws(Problem) -> DeviceCredential {
        guard exists(path) else {
            throw Problem(
                description: "this terminal is not enrolled (no \(path)): run `scan-tui enroll CODE` with the code `inventory-server devices add` printed")
        }
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & 0o077 != 0 {
            throw Problem(description: "\(path) holds this terminal's credential but others can read it; chmod 600 it")
        }
        do {
            return try JSONDecoder().decode(DeviceCredential.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw Problem(description: "\(path) is not a readable device credential (\(error)); enroll again with `scan-tui enroll CODE --force`")
        }
    }

    /// Before enrolling: the credential's directory exists and takes a new file. The
    /// server marks a code used when it answers, so a credential that could not be
    /// stored afterwards would cost the code.
    static func checkWritable(_ path: String) throws(Problem) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Problem(description: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let probe = directory.appendingPathComponent(".device.json.\(getpid()).probe").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Problem(description: "cannot write in \(directory.path): \(String(cString: strerror(errno)))") }
        close(fd)
        unlink(probe)
    }

    static func save(_ credential: DeviceCredential, to path: String) throws(Problem) {
        let url = URL(fileURLWithPath: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let data = try encoder.encode(credential) + Data("\n".utf8)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".device.json.\(getpid()).tmp")
            let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Problem(description: "cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                try handle.close()
                guard rename(temporary.path, path) == 0 else {
                    throw Problem(description: "cannot write \(path): \(String(cString: strerror(errno)))")
                }
            } catch {
                unlink(temporary.path)
                throw error
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "cannot write \(path): \(error.localizedDescription)")
        }
    }
}

extension CredentialFile {
    /// Why enrolling failed: here (the credential could not be stored; nothing was
    /// spent) or at the server (no verdict on the code, or a refusal).
    enum EnrollFailure: Error, CustomStringConvertible {
        case local(String)
        case server(String)

        var description: String {
            switch self {
            case .local(let why), .server(let why): why
            }
        }
    }

    /// The one enrollment sequence, for `scan-tui enroll` and a door's first start:
    /// check the credential can be stored (the server spends the code when it
    /// answers), EnrollDevice pinned to the code's fingerprint, then store it.
    static func enroll(_ code: EnrollmentCode, storingAt path: String) async throws(EnrollFailure) -> DeviceCredential {
        do {
            try checkWritable(path)
        } catch {
            throw .local(error.description)
        }
        let credential: DeviceCredential
        do {
            credential = try await InventoryClient.enroll(code)
        } catch {
            throw .server(error.userMessage)
        }
        do {
            try save(credential, to: path)
        } catch {
            throw .local(error.description)
        }
        return credential
    }
}

extension DeviceCredential {
    /// "door-1 (door, hall main)": what staff are told they enrolled as.
    var summary: String { "\(name) (\(role.rawValue)\(hall.map { ", hall \($0)" } ?? ""))" }
}
