import Foundation
import Logging
import Synchronization

/// Logs to a file: the terminal belongs to the door screen.
struct FileLogHandler: LogHandler {
    private let sink: Sink
    private let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    final class Sink: Sendable {
        private let handle: Mutex<FileHandle?>
        init(path: String) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            let handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
            self.handle = Mutex(handle)
        }
        func write(_ line: String) {
            handle.withLock { $0?.write(Data(line.utf8)) }
        }
    }

    init(label: String, sink: Sink) {
        self.label = label
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.write("\(ISO8601DateFormatter().string(from: Date())) \(event.level) \(label):\(fields) \(event.message)\n")
    }
}
