/// Exponential backoff with full jitter, bounded by the caller's overall deadline.
/// Only calls that are safe to repeat are retried (see ``CallKind``).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maximumAttempts: Int
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// One attempt may use at most this share of the overall deadline, so a reply
    /// lost on the first attempt leaves time to ask again.
    public var attemptShare: Double

    public init(
        maximumAttempts: Int = 4, initialBackoff: Duration = .milliseconds(50),
        maximumBackoff: Duration = .milliseconds(400), attemptShare: Double = 0.5
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.attemptShare = min(1, max(0.1, attemptShare))
    }

    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The pause before attempt `attempt + 1` (attempt counts from 1), with full
    /// jitter: uniformly random up to the exponential bound.
    public func backoff(after attempt: Int, random: Double) -> Duration {
        let exponent = min(attempt - 1, 16)
        let bound = min(maximumBackoff, initialBackoff * (1 << exponent))
        return bound * min(1, max(0, random))
    }

    /// The timeout for the next attempt: its share of the whole deadline, never
    /// more than what is left.
    public func attemptTimeout(overall: Duration, remaining: Duration, isLastChance: Bool) -> Duration {
        isLastChance ? remaining : min(remaining, overall * attemptShare)
    }
}

/// How a call may be treated by the resilience layer.
enum CallKind: Sendable {
    /// Reads, VerifyTicket, MarkCheckedIn (its scan_id makes a repeat a replay): retried.
    case idempotent
    /// ReserveSeat, ReleaseSeat, ConfirmSeat, UpdateOwner: never retried blindly.
    case mutation
}
