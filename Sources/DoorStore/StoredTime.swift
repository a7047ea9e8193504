import Foundation
import GRDB
import UsherCore

/// Times are stored as REAL Unix seconds: readable with the sqlite3 shell, and a
/// value read back equals the value handed out (see ``Date/stored``).
extension Date {
    var storedSeconds: Double { timeIntervalSince1970 }

    init(storedSeconds: Double) {
        self.init(timeIntervalSince1970: storedSeconds)
    }

    /// This date as it reads back from a column. A first answer and its replay must
    /// be equal, so a decision returns the stored value, not the caller's own.
    var stored: Date { Date(storedSeconds: storedSeconds) }
}

extension CheckIn {
    /// A check-in stored as three columns (time, terminal, staff); nil when the time
    /// column is NULL (no check-in).
    init?(_ row: Row, at: String, terminal: String, staff: String) throws {
        guard let seconds: Double = try row.decode(forColumn: at) else { return nil }
        let terminalID: String? = try row.decode(forColumn: terminal)
        let staffID: String? = try row.decode(forColumn: staff)
        self.init(at: Date(storedSeconds: seconds), terminalID: terminalID ?? "", staffID: staffID ?? "")
    }
}
