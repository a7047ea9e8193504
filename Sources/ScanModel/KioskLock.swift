import Foundation
import UsherCore

/// A door nobody stands at (`scan-tui --kiosk`): scanning works, and everything that
/// would change what the terminal does (quit, open an image, leave the door view,
/// change the hall, a mode or the direction, undo, search) waits for a supervisor's
/// PIN. Ctrl-C is ignored (the terminal is raw: Ctrl-Z and Ctrl-\ are plain keys).
/// A right PIN unlocks the terminal for ``unlockFor``, so a supervisor who came to
/// fix something is not asked again for every key.
public enum KioskLock {
    public static let unlockFor: TimeInterval = 120
    /// The banner while the server checks an unlock's PIN.
    static let checking = "Checking the supervisor's PIN"

    /// What `command` is called when a supervisor is asked to unlock it (and in the
    /// server's log), or nil when it needs no PIN: scanning, help, acknowledging a
    /// verdict, picking a code, moving around a view.
    public static func action(_ command: Keymap.Command) -> String? {
        switch command {
        case .quit, .quitNow: "quit"
        case .openImage: "open an image"
        case .nextView: "leave the door view"
        case .hall: "change the hall"
        case .toggleMode: "switch auto / confirm"
        case .forceLink: "force offline or online"
        case .toggleDirection: "switch entry / exit"
        case .annul: "undo an admission"
        case .search: "search"
        case .reload: "reload"
        case .acknowledge: "acknowledge a conflict"
        case .override: nil  // asks a supervisor's PIN of its own
        case .help, .back, .confirm, .move, .zoom, .digit: nil
        }
    }
}

/// The question a locked kiosk asks: a supervisor's name and PIN, for one command.
public struct KioskUnlock: Sendable, Hashable {
    /// Done once unlocked; nil: only unlock (the key was another view's: press it again there).
    public var command: Keymap.Command?
    public var action: String
    public var prompt: SupervisorPrompt

    public init(command: Keymap.Command?, action: String, supervisor: String) {
        self.command = command
        self.action = action
        self.prompt = SupervisorPrompt(supervisor: supervisor)
    }

    public func lines() -> [String] {
        ["This terminal is locked (kiosk).", "A supervisor unlocks it to \(action), for \(Int(KioskLock.unlockFor / 60)) minutes.", ""]
            + prompt.lines(action: "unlocks")
    }
}

extension DoorState {
    /// Locked now: a kiosk not unlocked in the last ``KioskLock/unlockFor``.
    public var kioskLocked: Bool {
        guard settings.kiosk else { return false }
        guard let until = unlockedUntil else { return true }
        return now >= until
    }

    /// A digit that would switch views is leaving the door view; one that picks a code is not.
    func effective(_ command: Keymap.Command) -> Keymap.Command {
        guard case .digit(let index) = command else { return command }
        if case .pick(let codes) = banner, index <= codes.count { return command }
        return settings.viewsEnabled && TerminalView(key: Character("\(index)")) != nil ? .nextView : command
    }

    /// A command a locked kiosk does not do: ask for a supervisor's PIN instead.
    /// Returns nil when `command` may go ahead.
    /// `runAfter`: do the command once unlocked (false for another view's command,
    /// which the door cannot do for it).
    mutating func kioskRefusal(_ command: Keymap.Command, runAfter: Bool = true) -> [DoorEffect]? {
        guard kioskLocked, let action = KioskLock.action(command) else { return nil }
        // Ctrl-C on a kiosk is nobody's business: ignored, not even a question.
        if command == .quitNow { return [] }
        guard !link.isOffline else {
            banner = .notice("This kiosk is locked, and unlocking it needs the server (it is offline)")
            return []
        }
        overlay = .unlock(KioskUnlock(command: runAfter ? command : nil, action: action, supervisor: lastSupervisor))
        return []
    }

    /// A key while the unlock question is open.
    mutating func unlockKey(_ key: TerminalKey, _ unlock: KioskUnlock) -> [DoorEffect] {
        let step = unlock.prompt.key(key).wrapped { prompt in
            var asking = unlock
            asking.prompt = prompt
            return asking
        }
        return apply(step, showing: Overlay.unlock) { door, prompt in
            door.lastSupervisor = prompt.supervisor
            door.banner = .notice(KioskLock.checking + (door.settings.ascii ? "..." : "…"))
            return [.unlock(supervisor: prompt.supervisor, pin: prompt.pin, action: unlock.action, then: unlock.command)]
        }
    }

    /// The server answered an unlock: open for a while and do what was asked, or stay
    /// locked. The banner is the answer's only while it still says the PIN is being
    /// checked: a guest scanned meanwhile keeps their verdict.
    mutating func unlocked(then command: Keymap.Command?, _ outcome: Result<Date, CallFailure>) -> [DoorEffect] {
        var waiting = false
        if case .notice(let shown) = banner, shown.hasPrefix(KioskLock.checking) { waiting = true }
        switch outcome {
        case .success:
            unlockedUntil = now.addingTimeInterval(KioskLock.unlockFor)
            if waiting { banner = .ready }
            return command.map { perform($0) } ?? []
        case .failure(let failure):
            if waiting { banner = .notice("Still locked: \(failure.message)") }
            return settings.bell ? [.bell(.attention)] : []
        }
    }

    /// The unlock ran out: what it opened (a question, a prompt, help) closes with it.
    mutating func relockIfDue() {
        guard settings.kiosk, let until = unlockedUntil, now >= until else { return }
        unlockedUntil = nil
        switch overlay {
        case .confirmQuit, .openImage, .annul, .search, .help: overlay = .none
        case .none, .override, .unlock: break
        }
    }
}
