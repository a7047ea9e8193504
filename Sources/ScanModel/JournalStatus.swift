/// The door's journal of offline decisions, as the runner reports it after each
/// upload round and each offline decision.
public struct JournalStatus: Sendable, Hashable {
    /// Offline scans not yet acknowledged by the server.
    public var pending: Int
    /// Uploaded scans the server recorded as conflicts, this session: supervisors
    /// see them; the door only says how many it sent.
    public var conflicts: Int
    /// Pending scans the server refused (a request error, not an outage): kept, and
    /// tried again now and then; the log says why. Staff should tell a supervisor.
    public var refused: Int

    public init(pending: Int, conflicts: Int, refused: Int = 0) {
        self.pending = pending
        self.conflicts = conflicts
        self.refused = refused
    }
}
