import Foundation
import Synchronization

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs
/// and CI output stay clean). Safe to advance from many tasks at once.
final class ProgressBar: Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let state = Mutex<(done: Int, lastDrawn: ContinuousClock.Instant?)>((0, nil))

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1 && total > 0
    }

    func advance(by count: Int = 1) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.done += count
            let now = ContinuousClock.now
            // Redraw at most 20 times a second, and always at the end.
            if let last = state.lastDrawn, now - last < .milliseconds(50), state.done < total { return nil }
            state.lastDrawn = now
            return render(done: state.done)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func render(done: Int) -> String {
        let width = 30
        let filled = total == 0 ? width : min(width, done * width / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return "\r\(label) \(bar) \(done)/\(total)"
    }
}
