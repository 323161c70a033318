/// How urgent an issue is, from what failed. The monitoring guide says issues track a
/// severity without defining the scale; hookstream's is the destination's state as a receiver
/// of webhooks would rank it:
/// - `critical`: the circuit is open — nothing reaches the destination until it recovers —, or
///   a database source cannot capture — no change is read until it can;
/// - `high`: the destination is failing (5xx, timeouts, connection errors) — events are being
///   retried and may end in the dead-letter queue —, or a database source's slot retains more
///   WAL than allowed — the database's disk fills if it goes on;
/// - `medium`: the destination refuses requests as sent (4xx) or the connection's transform
///   fails on some events — a configuration problem that retries will not fix.
public enum IssueSeverity: String, CaseIterable, Sendable {
    case critical, high, medium

    public init(_ type: IssueType) {
        switch type {
        case .circuitOpen, .captureError: self = .critical
        case .http5xx, .timeout, .connectionError, .captureLag: self = .high
        case .http4xx, .transformError: self = .medium
        }
    }
}

/// One change in an issue's life, as its detail shows it. Occurrences are not entries (an
/// issue can gather thousands); they are the issue's count and its recent attempts.
public struct IssueTimelineEntry: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        /// The first failure of its destination and type since the last issue was resolved.
        case opened
        case acknowledged
        case resolved
        /// Resolved by hookstream after `--issue-auto-resolve-seconds` without a failure.
        case autoResolved = "auto_resolved"
        /// Set back to `open` by someone.
        case reopened
        case snoozed
        case unsnoozed
    }

    public var at: Int64
    public var kind: Kind
    /// The failure's message (`opened`) or the snooze's end as ISO 8601 (`snoozed`).
    public var message: String?

    public init(at: Int64, kind: Kind, message: String? = nil) {
        self.at = at
        self.kind = kind
        self.message = message
    }

    /// The entry for a status set through the API, or `nil` when it does not change it.
    public static func statusChange(from old: Issue.Status, to new: Issue.Status, at: Int64) -> IssueTimelineEntry? {
        guard old != new else { return nil }
        switch new {
        case .open: return IssueTimelineEntry(at: at, kind: .reopened)
        case .acknowledged: return IssueTimelineEntry(at: at, kind: .acknowledged)
        case .resolved: return IssueTimelineEntry(at: at, kind: .resolved)
        }
    }
}
