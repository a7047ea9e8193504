import Foundation
import UsherCore

/// How a door handles a scan.
public enum ScanMode: Sendable, Hashable {
    /// Admit on the spot (MarkCheckedIn).
    case auto
    /// Show the verdict first (VerifyTicket) and admit only when staff confirm.
    case confirm
}

/// Which ways a door scans (`--direction`): one, or both with a key to switch.
public enum DoorDirections: String, Sendable, Hashable, CaseIterable {
    case entry
    case exit
    case both
}

/// Settings a door starts with (flags and environment).
public struct DoorSettings: Sendable, Hashable {
    public var server: String
    public var hallID: String
    /// The one event this door admits (`--event`); nil: any of the hall's events
    /// whose window is open.
    public var eventID: String?
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
    /// In, out, or both (`x` switches).
    public var directions: DoorDirections = .entry
    /// Nobody stands at this door (`--kiosk`): only scanning works without a supervisor's PIN.
    public var kiosk = false

    public init(
        server: String, hallID: String, eventID: String? = nil, staffID: String, terminalID: String,
        mode: ScanMode = .auto,
        ascii: Bool = false, color: Bool = true, bell: Bool = true,
        successClearsAfter: Duration? = .seconds(3), denialClearsAfter: Duration? = nil,
        scanner: ScannerInput.Configuration = .init(), timeZone: TimeZone = .current, viewsEnabled: Bool = false,
        directions: DoorDirections = .entry, kiosk: Bool = false
    ) {
        self.server = server
        self.hallID = hallID
        self.eventID = eventID
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
        self.directions = directions
        self.kiosk = kiosk
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
    /// The call for scan `scanID` finished: a verify (`admission: false`) or an admission.
    case checked(
        scanID: String, admission: Bool, outcome: Result<ScanReport, CallFailure>, latency: Duration,
        at: ContinuousClock.Instant)
    /// The hall's events and their windows (ListHallEvents), for the header.
    case schedule(Result<HallSchedule, CallFailure>, at: ContinuousClock.Instant)
    case decoded(path: String, outcome: DecodeOutcome)
    /// A new image appeared in the watched folder.
    case imageDropped(path: String)
    case connection(ConnectionState)
    /// The runner's background health check: it brings an offline door back
    /// (``DoorLink``); online, a bad one alone changes nothing.
    case probed(ok: Bool, at: ContinuousClock.Instant)
    /// After each SyncDoor into the local store.
    case synced(Result<DoorSyncStatus, CallFailure>)
    /// After each upload round and each offline decision.
    case journal(JournalStatus)
    /// An annul finished (AnnulCheckIn): the door's (`.scan`) or a supervisor's (`.seat`).
    case annulled(AnnulRequest.Admission, Result<AnnulOutcome, CallFailure>)
    /// A SearchSeats answer for `query`.
    case searched(query: String, Result<SeatSearchResult, CallFailure>)
    /// An override of denied scan `scanID` finished (OverrideCheckIn).
    case overridden(scanID: String, Result<ScanReport, CallFailure>)
    /// A kiosk unlock for `then` finished (UnlockKiosk).
    case unlocked(then: Keymap.Command?, Result<Date, CallFailure>)
}

/// What reading an image gave.
public enum DecodeOutcome: Sendable, Hashable {
    case codes([String])
    /// A sentence for staff ("photo.jpg: no QR code found").
    case failed(String)
}

/// What the runner must do; the model never does I/O.
public enum DoorEffect: Sendable, Hashable {
    /// Verify (`admit: false`, confirm mode preview) or admit (`admit: true`) this
    /// scan, exactly as made: its id is the request's `scan_id`.
    case check(Scan, admit: Bool)
    /// Decide this scan locally (the server is out of reach) and journal it before
    /// answering: always an admission. The answer comes back as `.checked(admission:
    /// true)` with `report.offline` set, or a `.failed` failure when the local store
    /// cannot decide (never synced, a disk error).
    case checkOffline(Scan)
    /// Ask for the hall's events (ListHallEvents).
    case loadSchedule
    case decodeImage(path: String)
    case bell(BellPattern)
    case quit
    /// Staff asked for another view (`nil`: the next one). The terminal decides
    /// whether this terminal may show it.
    case showView(TerminalView?)
    /// Undo an admission (AnnulCheckIn) under `annulID`, which a retry reuses so the
    /// server answers it as a replay.
    case annul(AnnulRequest.Admission, annulID: String, reason: String)
    /// Search the door's hall (SearchSeats).
    case search(query: String)
    /// Let the guest of a denied scan in on a supervisor's PIN (OverrideCheckIn), under
    /// the draft's ``OverrideDraft/overrideID``.
    case override(OverrideDraft)
    /// A supervisor's PIN unlocks a kiosk (UnlockKiosk) for `action`; then `then` is done.
    case unlock(supervisor: String, pin: String, action: String, then: Keymap.Command?)
}

/// One line of the recent-scans list: one scan, in the order scans were read. Its
/// answer fills it in place, however late it comes.
public struct ScanRecord: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case checking
        case verdict(ScanResult)
        /// Verified valid (confirm mode), not admitted.
        case validNotAdmitted
        /// The call ended without an answer.
        case notChecked
        /// Admitted, then annulled (`u`): the guest did not go in after all.
        case annulled
        /// An exit scan recorded: the guest stepped out.
        case exited
    }

    public var scanID: String
    /// When the scan was read.
    public var at: Date
    public var seat: String = ""
    public var state: State = .checking
    public var latency: Duration = .zero
    /// Decided by the door itself, offline.
    public var offline = false
    /// The scan id of the admission this row's guest went in by, when not the row's
    /// own: a supervisor's override is a scan of its own (``OverrideDraft/overrideID``).
    public var admittedAs: String?

    /// Back in after stepping out: not an admission of its own.
    public var reentry = false

    /// The scan id an annul of this row's admission names.
    public var admissionID: String { admittedAs ?? scanID }

    /// The verdict, once there is one.
    public var result: ScanResult? {
        if case .verdict(let result) = state { result } else { nil }
    }
}

/// The door terminal as data.
public struct DoorState: Sendable {
    public enum Banner: Sendable {
        case ready
        /// The newest scan, waiting for its answer.
        case checking(Scan)
        /// A verdict; `clearAt` when it clears itself.
        case verdict(ScanReport, admitted: Bool, clearAt: ContinuousClock.Instant?)
        /// Confirm mode: a SUCCESS preview waiting for Enter, which admits this same scan.
        case preview(ScanReport, scan: Scan)
        /// The scan could not be checked (offline, timeout): never a success.
        case unchecked(message: String)
        /// An image held several codes: staff pick one.
        case pick(codes: [String])
        case notice(String)
        /// An annul (`u`) on its way to the server: its answer takes the banner only
        /// while this is still shown (a scan read since owns it).
        case annulling(AnnulRequest.Admission, seat: String)
        /// An override (`o`) on its way to the server, for denied scan `scanID`: its
        /// answer takes the banner only while this is still shown.
        case overriding(scanID: String, supervisor: String)
    }

    public enum Overlay: Sendable, Hashable {
        case none
        case help
        case confirmQuit
        case openImage(path: String)
        /// `u`: staff confirm which admission to undo, and why.
        case annul(AnnulDraft)
        /// `/`: finding a guest without a code.
        case search(SearchBox)
        /// `o`: why the denied guest may go in, and the supervisor's PIN.
        case override(OverrideDraft)
        /// A locked kiosk asks a supervisor's PIN before a command.
        case unlock(KioskUnlock)
    }

    public var settings: DoorSettings
    public var width: Int
    public var height: Int
    public var now: Date
    public var mode: ScanMode
    public var banner: Banner = .ready
    public var overlay: Overlay = .none
    public var connection = ConnectionState(status: .online)
    /// Online or offline: where scans are decided.
    public var link = DoorLink()
    /// The last copy of what offline decisions need; nil: never synced.
    public var sync: DoorSyncStatus?
    /// Offline decisions waiting for the server, and conflicts it found in them.
    public var journal = JournalStatus(pending: 0, conflicts: 0)
    public var recent: [ScanRecord] = []
    public var admitted = 0
    /// Exit scans recorded.
    public var exited = 0
    /// Which way scans count now: the setting's, or the one `x` switched to.
    public var direction: ScanDirection
    public var denied: [ScanResult: Int] = [:]
    /// Every scan's identity; the banner shows only ``current``.
    public var scans: ScanBook
    /// Scans in flight as local decisions (``DoorEffect/checkOffline(_:)``): their
    /// failures are never "no answer from the server".
    var offlineChecks: Set<String> = []
    /// The newest scan: the one the guest in front of the door belongs to.
    public var current: Scan?
    /// The newest scan's denial from the server, which `o` may override; nil once
    /// another code is read (the guest it belongs to has left the door).
    var lastDenial: OverrideDraft?
    /// The supervisor of the last override or unlock, offered again (usually the same one).
    var lastSupervisor = ""
    /// A kiosk is unlocked until then (``KioskLock``).
    var unlockedUntil: Date?
    /// The hall's events, to name its current event; nil until the first answer.
    public var schedule: HallSchedule?
    /// Why the schedule is not known (an older server), shown in the header.
    public var scheduleProblem: String?
    var schedulePoll = PollSchedule(interval: .seconds(30))
    public var scanner: ScannerInput
    /// Verdict times and scan-to-verdict latencies, for the lane telemetry.
    var verdictTimes: [Date] = []
    var latencies: [Duration] = []

    /// `session` makes this run's scan ids unique: the shell passes a fresh UUID, or
    /// a restarted terminal would reuse ids (and be answered with old verdicts).
    public init(settings: DoorSettings, width: Int, height: Int, now: Date, session: String) {
        self.settings = settings
        self.scans = ScanBook(session: session)
        self.width = width
        self.height = height
        self.now = now
        self.mode = settings.mode
        self.direction = settings.directions == .exit ? .exit : .entry
        self.scanner = ScannerInput(configuration: settings.scanner)
    }

    /// Scans sent and not yet answered.
    public var inFlight: Int { scans.inFlight.count }

    /// The hall's current event, by the one rule in UsherCore.
    public var currentEvent: CurrentEvent? { schedule?.current(at: now) }

    /// Verdicts in the last minute.
    public var scansPerMinute: Int { verdictTimes.filter { now.timeIntervalSince($0) < 60 }.count }

    /// 95th percentile of recent scan-to-verdict times.
    public var p95Latency: Duration? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
    }
}
