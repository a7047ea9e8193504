import Foundation
import InventoryClient
import UsherCore

/// Settings a door starts with (flags and environment).
public struct DoorSettings: Sendable, Hashable {
    public var server: String
    public var hallID: String
    public var staffID: String
    public var terminalID: String
    public var mode: ScanMode
    public var ascii: Bool
    public var color: Bool
    public var bell: Bool
    /// A SUCCESS clears itself after this long; nil keeps it until a key.
    public var successClearsAfter: Duration?
    /// A denial clears itself after this long; nil (the default) keeps it until a key.
    public var denialClearsAfter: Duration?
    public var scanner: ScannerInput.Configuration
    /// Clock times on screen are shown in this zone.
    public var timeZone: TimeZone
    /// This terminal may switch to the supervisor views (Tab, 1, 2, 3).
    public var viewsEnabled: Bool

    public init(
        server: String, hallID: String, staffID: String, terminalID: String, mode: ScanMode = .auto,
        ascii: Bool = false, color: Bool = true, bell: Bool = true,
        successClearsAfter: Duration? = .seconds(3), denialClearsAfter: Duration? = nil,
        scanner: ScannerInput.Configuration = .init(), timeZone: TimeZone = .current, viewsEnabled: Bool = false
    ) {
        self.server = server
        self.hallID = hallID
        self.staffID = staffID
        self.terminalID = terminalID
        self.mode = mode
        self.ascii = ascii
        self.color = color
        self.bell = bell
        self.successClearsAfter = successClearsAfter
        self.denialClearsAfter = denialClearsAfter
        self.scanner = scanner
        self.timeZone = timeZone
        self.viewsEnabled = viewsEnabled
    }
}

/// A terminal key, as the curses layer reports it.
public enum TerminalKey: Sendable, Hashable {
    case character(Character)
    case enter
    case backspace
    case escape
    case tab
    case interrupt  // Ctrl-C
    // Cursor keys move around the seat map and the occupancy table; the door ignores them.
    case up, down, left, right, pageUp, pageDown, home, end
}

public enum DoorEvent: Sendable {
    case key(TerminalKey, at: ContinuousClock.Instant)
    /// The clock: drives auto-clear, burst resolution and the status bar time.
    case tick(now: Date, at: ContinuousClock.Instant)
    case resized(width: Int, height: Int)
    /// A check or admission finished.
    case checked(
        code: String, admission: Bool, outcome: Result<ScanReport, InventoryClientError>, latency: Duration,
        at: ContinuousClock.Instant)
    case decoded(path: String, outcome: DecodeOutcome)
    /// A new image appeared in the watched folder.
    case imageDropped(path: String)
    case connection(ConnectionState)
}

/// What reading an image gave.
public enum DecodeOutcome: Sendable, Hashable {
    case codes([String])
    /// A sentence for staff ("photo.jpg: no QR code found").
    case failed(String)
}

/// What the runner must do; the model never does I/O.
public enum DoorEffect: Sendable, Hashable {
    /// Verify (`admit: false`, confirm mode preview) or admit (`admit: true`) a code.
    case check(code: String, admit: Bool)
    case decodeImage(path: String)
    case bell(BellPattern)
    case quit
    /// Staff asked for another view (`nil`: the next one). The terminal decides
    /// whether this terminal may show it.
    case showView(TerminalView?)
}

/// One line of the recent-scans list.
public struct ScanRecord: Sendable, Hashable {
    public var at: Date
    public var seat: String
    public var result: ScanResult?
    public var latency: Duration
}

/// The door terminal as data.
public struct DoorState: Sendable {
    public enum Banner: Sendable {
        case ready
        case checking(code: String)
        /// A verdict; `clearAt` when it clears itself.
        case verdict(ScanReport, admitted: Bool, clearAt: ContinuousClock.Instant?)
        /// Confirm mode: a SUCCESS preview waiting for Enter.
        case preview(ScanReport, code: String)
        /// The scan could not be checked (offline, timeout): never a success.
        case unchecked(message: String)
        /// An image held several codes: staff pick one.
        case pick(codes: [String])
        case notice(String)
    }

    public enum Overlay: Sendable, Hashable {
        case none
        case help
        case confirmQuit
        case openImage(path: String)
    }

    public var settings: DoorSettings
    public var width: Int
    public var height: Int
    public var now: Date
    public var mode: ScanMode
    public var banner: Banner = .ready
    public var overlay: Overlay = .none
    public var connection = ConnectionState(status: .online)
    public var recent: [ScanRecord] = []
    public var admitted = 0
    public var denied: [ScanResult: Int] = [:]
    public var inFlight = 0
    public var scanner: ScannerInput
    /// Verdict times and scan-to-verdict latencies, for the lane telemetry.
    var verdictTimes: [Date] = []
    var latencies: [Duration] = []

    public init(settings: DoorSettings, width: Int, height: Int, now: Date) {
        self.settings = settings
        self.width = width
        self.height = height
        self.now = now
        self.mode = settings.mode
        self.scanner = ScannerInput(configuration: settings.scanner)
    }

    /// Verdicts in the last minute.
    public var scansPerMinute: Int { verdictTimes.filter { now.timeIntervalSince($0) < 60 }.count }

    /// 95th percentile of recent scan-to-verdict times.
    public var p95Latency: Duration? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
    }
}
