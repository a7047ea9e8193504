/// What a key did to a question the terminal asks (undo, override, a supervisor's
/// PIN): every question answers keys this way, and the door applies every answer
/// the same way (``DoorState/apply(_:showing:answered:)``).
public enum QuestionStep<Question: Sendable & Hashable, Answer: Sendable & Hashable>: Sendable, Hashable {
    /// Still asking (something was typed, or the key meant nothing here).
    case asking(Question)
    /// Answered: do what was asked.
    case answered(Answer)
    /// Esc: nothing is done.
    case cancel
    /// A scanner fired into the question (its code and Enter): a scan, whole.
    case scan(String)
}

extension QuestionStep {
    /// The same step of a question asked inside a bigger one (`wrap` puts it back).
    func wrapped<Outer>(_ wrap: (Question) -> Outer) -> QuestionStep<Outer, Answer> {
        switch self {
        case .asking(let question): .asking(wrap(question))
        case .answered(let answer): .answered(answer)
        case .cancel: .cancel
        case .scan(let code): .scan(code)
        }
    }
}

extension DoorState {
    /// A question's step at the door: still asking shows it (as `showing` makes its
    /// overlay); Esc closes it; a scan closes it and is read; an answer closes it and
    /// goes to `answered`.
    mutating func apply<Question, Answer>(
        _ step: QuestionStep<Question, Answer>, showing: (Question) -> Overlay,
        answered: (inout DoorState, Answer) -> [DoorEffect]
    ) -> [DoorEffect] {
        switch step {
        case .asking(let question):
            overlay = showing(question)
            return []
        case .cancel:
            overlay = .none
            return []
        case .scan(let code):
            return scanned(code)
        case .answered(let answer):
            overlay = .none
            return answered(&self, answer)
        }
    }
}
