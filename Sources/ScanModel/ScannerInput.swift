/// Tells a keyboard-wedge scanner from a person by key timing: a scanner types a
/// whole code in a burst (a few milliseconds a key), a person types slowly. A
/// value: keys and clock ticks in, what they meant out.
public struct ScannerInput: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// Keys closer together than this belong to one burst.
        public var burstGap: Duration
        /// Quiet time after which pending keys are resolved.
        public var idleGap: Duration
        /// Accept a burst that ends without CR/LF (some scanners send no suffix).
        public var acceptsUnterminatedBursts: Bool
        /// The shortest unterminated burst taken as a scan.
        public var minimumBurstLength: Int

        public init(
            burstGap: Duration = .milliseconds(40), idleGap: Duration = .milliseconds(120),
            acceptsUnterminatedBursts: Bool = false, minimumBurstLength: Int = 8
        ) {
            self.burstGap = burstGap
            self.idleGap = idleGap
            self.acceptsUnterminatedBursts = acceptsUnterminatedBursts
            self.minimumBurstLength = minimumBurstLength
        }
    }

    public enum Output: Sendable, Hashable {
        /// A complete code.
        case scan(String)
        /// A single key typed by a person: a command.
        case command(Character)
        /// Slow keys that were neither a command nor a terminated scan: dropped.
        case discarded(count: Int)
    }

    public let configuration: Configuration
    private var buffer: [Character] = []
    private var lastKey: ContinuousClock.Instant?

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public var isEmpty: Bool { buffer.isEmpty }

    /// Longest code kept; anything longer is not a ticket and is cut off, so a
    /// jammed scanner cannot grow memory without bound.
    static let maximumLength = 4096

    /// A printable key. A key after a pause closes whatever came before it.
    public mutating func key(_ character: Character, at instant: ContinuousClock.Instant) -> [Output] {
        var outputs: [Output] = []
        if let lastKey, instant - lastKey > configuration.burstGap { outputs = resolve() }
        if buffer.count < Self.maximumLength { buffer.append(character) }
        lastKey = instant
        return outputs
    }

    /// CR or LF: the end of a scan, or a command key followed by Enter.
    public mutating func enter(at instant: ContinuousClock.Instant) -> [Output] {
        defer { reset() }
        switch buffer.count {
        case 0: return []
        case 1: return [.command(buffer[0])]
        default: return [.scan(String(buffer))]
        }
    }

    public mutating func backspace() {
        if !buffer.isEmpty { buffer.removeLast() }
    }

    /// Resolves pending keys once the line has been quiet for the idle gap.
    public mutating func tick(at instant: ContinuousClock.Instant) -> [Output] {
        guard let lastKey, instant - lastKey >= configuration.idleGap else { return [] }
        return resolve()
    }

    /// Pending keys without a terminator: one key is a command; a scanner-fast
    /// burst is a scan only where unterminated scans are enabled; the rest is
    /// stray typing and is dropped.
    private mutating func resolve() -> [Output] {
        defer { reset() }
        switch buffer.count {
        case 0: return []
        case 1: return [.command(buffer[0])]
        case configuration.minimumBurstLength... where configuration.acceptsUnterminatedBursts:
            return [.scan(String(buffer))]
        default: return [.discarded(count: buffer.count)]
        }
    }

    private mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        lastKey = nil
    }
}
