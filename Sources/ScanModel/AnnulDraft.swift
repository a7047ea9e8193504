import Foundation
import UsherCore

/// The question before an admission is undone (`u`): which admission, and why.
/// The door asks it for its own last admission, a supervisor for the seat whose
/// details are open; both read keys through ``key(_:)``, so the question behaves
/// the same on either.
public struct AnnulDraft: Sendable, Hashable {
    public var admission: AnnulRequest.Admission
    /// The annul's idempotency key: fixed per admission, so asking again after a
    /// lost reply is answered as a replay, never "already annulled".
    public var annulID: String
    /// The seat, for the question ("" when the door did not learn it).
    public var seat: String
    /// When the admission was made.
    public var at: Date
    public var reason = ""

    public init(admission: AnnulRequest.Admission, annulID: String, seat: String, at: Date) {
        self.admission = admission
        self.annulID = annulID
        self.seat = seat
        self.at = at
    }

    /// 1–4 pick a reason when none is typed yet; other characters type one;
    /// Backspace deletes; Enter undoes (not without a reason); Esc keeps it.
    /// Answered with the reason: undo the admission.
    public func key(_ key: TerminalKey) -> QuestionStep<AnnulDraft, String> {
        var draft = self
        switch key {
        case .enter:
            // Keys reach the question as typed: a scanner firing into it is a scan.
            if let code = ScannerInput.ticketCode(in: reason) { return .scan(code) }
            let reason = reason.trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty, reason.count <= InputRules.freeTextMaxLength else { return .asking(self) }
            return .answered(reason)
        case .escape:
            return .cancel
        case .backspace:
            draft.reason = String(reason.dropLast())
        case .character(let c):
            if reason.isEmpty, let n = c.wholeNumberValue, (1...AnnulPolicy.reasons.count).contains(n) {
                draft.reason = AnnulPolicy.reasons[n - 1]
            } else if reason.count < ScannerInput.maximumLength {
                draft.reason.append(c)
            }
        case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            break
        }
        return .asking(draft)
    }

    /// The question as lines for a box.
    public func lines(clock: (Date) -> String) -> [String] {
        let what = seat.isEmpty ? "the last guest" : "seat \(seat)"
        return ["Undo the admission of \(what), made \(clock(at))?", "The ticket will admit again. Why:"]
            + AnnulPolicy.reasons.enumerated().map { " \($0.offset + 1)  \($0.element)" }
            + ["", "Reason: " + reason + "_", "", "1-\(AnnulPolicy.reasons.count) or type a reason; Enter undoes, Esc keeps it"]
    }
}
