/// What a scan asked for. Raw values are stored in `entry_logs.action`.
public enum ScanAction: String, Sendable, Hashable, CaseIterable {
    /// VerifyTicket: a read-only verdict.
    case verify = "VERIFY"
    /// MarkCheckedIn: admit the guest on SUCCESS.
    case admit = "ADMIT"
    /// MarkCheckedIn with direction EXIT: the guest steps out.
    case exit = "EXIT"
}
