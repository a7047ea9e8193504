import Foundation

/// Reports images that appear in a folder (`--watch DIR`): PNG and JPEG files
/// created after the door started, once their size has stopped changing (a copy
/// in progress is not read half-way).
struct ImageFolderWatcher {
    let path: String
    var interval: Duration = .milliseconds(250)
    /// What was there when the door started (taken before the screen shows READY,
    /// so a file dropped once the door is up is always new).
    private let existing: Set<String>

    init(path: String) {
        self.path = path
        existing = Set(Self.listing(path).keys)
    }

    func run(_ found: @Sendable (String) -> Void) async throws {
        var known = existing
        var pending: [String: Int] = [:]
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            let now = Self.listing(path)
            for (name, size) in now where !known.contains(name) {
                if pending[name] == size {
                    known.insert(name)
                    pending[name] = nil
                    found((path as NSString).appendingPathComponent(name))
                } else {
                    pending[name] = size
                }
            }
        }
    }

    private static func listing(_ path: String) -> [String: Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var result: [String: Int] = [:]
        for name in names where ["png", "jpg", "jpeg"].contains((name as NSString).pathExtension.lowercased()) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: (path as NSString).appendingPathComponent(name))
            result[name] = (attributes?[.size] as? Int) ?? -1
        }
        return result
    }
}
