import Foundation

/// The admission that moved a seat to CHECKED_IN: when, where and by whom.
/// A DUPLICATE verdict quotes it so staff can tell the guest when the ticket was used.
public struct CheckIn: Sendable, Hashable {
    public var at: Date
    public var terminalID: String
    public var staffID: String

    public init(at: Date, terminalID: String, staffID: String) {
        self.at = at
        self.terminalID = terminalID
        self.staffID = staffID
    }
}
