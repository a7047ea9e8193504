import Foundation

/// Polls `observe` until `accept` holds and returns what it saw and how long that
/// took. An answer seen after `limit` does not count: "within 3 s" means it. At the
/// deadline it throws with the last observation (a value or an error), so a failed
/// wait says what it was looking at, never just "timed out".
@discardableResult
func waitUntil<T: Sendable>(
    _ what: String, within limit: Duration = .seconds(15), every poll: Duration = .milliseconds(100),
    observe: () async throws -> T, until accept: (T) -> Bool
) async throws -> (value: T, after: Duration) {
    let started = ContinuousClock.now
    var last = "nothing yet"
    while true {
        do {
            let value = try await observe()
            let elapsed = ContinuousClock.now - started
            if accept(value) && elapsed <= limit { return (value, elapsed) }
            last = accept(value) ? "\(value), but only after \(elapsed)" : "\(value)"
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            last = "error: \(error)"
        }
        guard ContinuousClock.now - started < limit else {
            throw TestFailure("\(what): not reached within \(limit); last saw \(last)")
        }
        try await Task.sleep(for: poll)
    }
}

/// Polls `condition` until it holds; throws at the deadline with the last error seen.
func eventually(
    _ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool
) async throws {
    try await waitUntil(what, within: timeout, observe: condition, until: { $0 })
}
