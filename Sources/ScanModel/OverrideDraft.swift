import Foundation
import UsherCore

/// The questions before a denied guest is let in anyway (`o`): why (staff), then who
/// vouches for it (``SupervisorPrompt``: the supervisor's device name and PIN).
public struct OverrideDraft: Sendable, Hashable {
    /// The denied scan; the override is a scan of its own, under ``overrideID``.
    public var scan: Scan
    public var denial: ScanReport
    /// Fixed per denied scan: asking again after a lost reply is answered as a replay.
    public var overrideID: String { scan.id + ".override" }
    public var reason = ""
    /// Nil while staff give the reason; then the supervisor's part.
    public var prompt: SupervisorPrompt?
    /// The supervisor offered when the prompt opens (the last override's).
    var suggested: String

    public enum Step: Sendable, Hashable {
        case reason
        case supervisor
        case pin
    }

    public var step: Step {
        switch prompt?.step {
        case nil: .reason
        case .supervisor?: .supervisor
        case .pin?: .pin
        }
    }

    public var supervisor: String { prompt?.supervisor ?? suggested }
    public var pin: String { prompt?.pin ?? "" }

    public init(scan: Scan, denial: ScanReport, supervisor: String = "") {
        self.scan = scan
        self.denial = denial
        self.suggested = supervisor
    }

    /// Reason: 1–4 pick one when none is typed, or type one; Enter goes on (not
    /// without a reason); then the supervisor's prompt. Esc gives up. Answered with
    /// every answer given: send the override.
    public func key(_ key: TerminalKey) -> QuestionStep<OverrideDraft, OverrideDraft> {
        var draft = self
        if let prompt {
            switch prompt.key(key) {
            case .asking(let prompt):
                draft.prompt = prompt
                return .asking(draft)
            case .answered(let prompt):
                draft.prompt = prompt
                return .answered(draft)
            case .cancel: return .cancel
            case .scan(let code): return .scan(code)
            }
        }
        switch key {
        case .escape:
            return .cancel
        case .enter:
            // Keys reach the question as typed: a scanner firing into it is a scan.
            if let code = ScannerInput.ticketCode(in: reason) { return .scan(code) }
            draft.reason = reason.trimmingCharacters(in: .whitespaces)
            guard !draft.reason.isEmpty, draft.reason.count <= OverridePolicy.reasonMaxLength else { return .asking(self) }
            draft.prompt = SupervisorPrompt(supervisor: suggested)
        case .backspace:
            draft.reason = String(reason.dropLast())
        case .character(let c):
            if reason.isEmpty, let n = c.wholeNumberValue, (1...OverridePolicy.reasons.count).contains(n) {
                draft.reason = OverridePolicy.reasons[n - 1]
            } else if reason.count < ScannerInput.maximumLength {
                draft.reason.append(c)
            }
        case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            break
        }
        return .asking(draft)
    }

    /// The questions as lines for a box.
    public func lines() -> [String] {
        let seat = denial.seat.map { "seat \($0.seatID)" } ?? "this ticket"
        let head = [
            "Let the guest in anyway? (\(seat): \(denial.result.rawValue))",
            "A supervisor's PIN is needed; it is logged with the reason.",
        ]
        guard let prompt else {
            return head + ["Why:"] + OverridePolicy.reasons.enumerated().map { " \($0.offset + 1)  \($0.element)" }
                + ["", "Reason: " + reason + "_", "", "1-\(OverridePolicy.reasons.count) or type a reason; Enter goes on, Esc keeps them out"]
        }
        return head + ["Reason: " + reason, ""] + prompt.lines(action: "lets the guest in")
    }
}
