import Foundation
import UsherCore

/// The questions before a denied guest is let in anyway (`o`): why (staff), then who
/// vouches for it (the supervisor types their device name and PIN on this keyboard).
/// The PIN is held only until it is sent, and never drawn.
public struct OverrideDraft: Sendable, Hashable {
    /// The denied scan; the override is a scan of its own, under ``overrideID``.
    public var scan: Scan
    public var denial: ScanReport
    /// Fixed per denied scan: asking again after a lost reply is answered as a replay.
    public var overrideID: String { scan.id + ".override" }
    public var step: Step = .reason
    public var reason = ""
    public var supervisor: String
    public var pin = ""

    public enum Step: Sendable, Hashable {
        case reason
        case supervisor
        case pin
    }

    public init(scan: Scan, denial: ScanReport, supervisor: String = "") {
        self.scan = scan
        self.denial = denial
        self.supervisor = supervisor
    }

    /// What a key did to the questions.
    public enum Outcome: Sendable, Hashable {
        case asking(OverrideDraft)
        /// Every answer given: send the override.
        case send(OverrideDraft)
        /// Esc: the guest stays out.
        case cancel
        /// A scanner fired into the reason (its code and Enter): a scan.
        case scan(String)
    }

    /// Reason: 1–4 pick one when none is typed, or type one. Supervisor: type the
    /// device name (kept from the last override). PIN: 4 to 8 digits. Enter goes on
    /// (not without an answer); Backspace deletes; Esc gives up.
    public func key(_ key: TerminalKey) -> Outcome {
        var draft = self
        switch key {
        case .escape:
            return .cancel
        case .enter:
            // Keys reach the questions as typed: a scanner firing into any of them is a
            // scan (the next guest), never a reason, a name or a PIN.
            if let code = ScannerInput.ticketCode(in: typed) { return .scan(code) }
            switch step {
            case .reason:
                draft.reason = reason.trimmingCharacters(in: .whitespaces)
                guard !draft.reason.isEmpty else { return .asking(self) }
                draft.step = .supervisor
            case .supervisor:
                guard InputRules.isIdentifier(supervisor) else { return .asking(self) }
                draft.step = .pin
            case .pin:
                guard (try? OverridePolicy.pin(pin)) != nil else { return .asking(self) }
                return .send(draft)
            }
        case .backspace:
            switch step {
            case .reason: draft.reason = String(reason.dropLast())
            case .supervisor: draft.supervisor = String(supervisor.dropLast())
            case .pin: draft.pin = String(pin.dropLast())
            }
        case .character(let c):
            switch step {
            case .reason:
                if reason.isEmpty, let n = c.wholeNumberValue, (1...OverridePolicy.reasons.count).contains(n) {
                    draft.reason = OverridePolicy.reasons[n - 1]
                } else if reason.count < OverridePolicy.reasonMaxLength {
                    draft.reason.append(c)
                }
            case .supervisor:
                if supervisor.count < 64 { draft.supervisor.append(c) }
            case .pin:
                // Kept whole until Enter (a scan is told by its text); only digits are a PIN.
                if pin.count < ScannerInput.maximumLength { draft.pin.append(c) }
            }
        case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            break
        }
        return .asking(draft)
    }

    /// What is being typed now.
    private var typed: String {
        switch step {
        case .reason: reason
        case .supervisor: supervisor
        case .pin: pin
        }
    }

    /// The questions as lines for a box.
    public func lines() -> [String] {
        let seat = denial.seat.map { "seat \($0.seatID)" } ?? "this ticket"
        var lines = [
            "Let the guest in anyway? (\(seat): \(denial.result.rawValue))",
            "A supervisor's PIN is needed; it is logged with the reason.",
        ]
        switch step {
        case .reason:
            lines += ["Why:"] + OverridePolicy.reasons.enumerated().map { " \($0.offset + 1)  \($0.element)" }
            lines += ["", "Reason: " + reason + "_", "", "1-\(OverridePolicy.reasons.count) or type a reason; Enter goes on, Esc keeps them out"]
        case .supervisor:
            lines += ["Reason: " + reason, "", "Supervisor (device name): " + supervisor + "_", "", "Enter goes on, Esc keeps them out"]
        case .pin:
            lines += [
                "Reason: " + reason, "Supervisor: " + supervisor, "",
                "PIN: " + String(repeating: "*", count: pin.count) + "_", "", "Supervisor types the PIN; Enter lets the guest in",
            ]
        }
        return lines
    }
}
