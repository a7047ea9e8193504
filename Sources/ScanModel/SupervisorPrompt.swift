import Foundation
import UsherCore

/// A supervisor vouching at a door: their device name, then their PIN, typed on the
/// door's keyboard. One prompt for every question that needs a supervisor (an
/// override, a kiosk unlock). The PIN is held only until it is sent, never drawn.
public struct SupervisorPrompt: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case supervisor
        case pin
    }

    public var step: Step = .supervisor
    /// Offered as typed: usually the supervisor of the last question.
    public var supervisor: String
    public var pin = ""

    public init(supervisor: String = "") {
        self.supervisor = supervisor
    }

    /// Enter goes on (not without an answer); Backspace deletes; Esc gives up.
    /// Answered with a name and a PIN of 4 to 8 digits: send them. A scanner firing
    /// into the prompt is a scan, never a name or a PIN.
    public func key(_ key: TerminalKey) -> QuestionStep<SupervisorPrompt, SupervisorPrompt> {
        var prompt = self
        switch key {
        case .escape:
            return .cancel
        case .enter:
            if let code = ScannerInput.ticketCode(in: step == .pin ? pin : supervisor) { return .scan(code) }
            switch step {
            case .supervisor:
                guard InputRules.isIdentifier(supervisor) else { return .asking(self) }
                prompt.step = .pin
            case .pin:
                guard (try? OverridePolicy.pin(pin)) != nil else { return .asking(self) }
                return .answered(prompt)
            }
        case .backspace:
            switch step {
            case .supervisor: prompt.supervisor = String(supervisor.dropLast())
            case .pin: prompt.pin = String(pin.dropLast())
            }
        case .character(let c):
            // Kept whole until Enter (a scan is told by its text); only digits are a PIN.
            switch step {
            case .supervisor: if supervisor.count < ScannerInput.maximumLength { prompt.supervisor.append(c) }
            case .pin: if pin.count < ScannerInput.maximumLength { prompt.pin.append(c) }
            }
        case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            break
        }
        return .asking(prompt)
    }

    /// The prompt as lines, `action` being what Enter on the PIN does.
    public func lines(action: String) -> [String] {
        switch step {
        case .supervisor:
            ["Supervisor (device name): " + supervisor + "_", "", "Enter goes on, Esc cancels"]
        case .pin:
            [
                "Supervisor: " + supervisor, "",
                "PIN: " + String(repeating: "*", count: min(pin.count, 16)) + "_", "", "Supervisor types the PIN; Enter \(action)",
            ]
        }
    }
}
