/// Failures of one destination with one error type, grouped so they can be acknowledged,
/// resolved and retried together.
public struct Issue: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case open, acknowledged, resolved
    }

    public var id: String
    public var tenant: Tenant
    /// Empty for a capture issue, which belongs to ``sourceID`` instead.
    public var destinationID: String
    /// The database source of a `capture_error` issue; `nil` for delivery issues.
    public var sourceID: String?
    public var errorType: IssueType
    public var message: String
    public var status: Status
    public var occurrenceCount: Int
    public var firstSeenAt: Int64
    public var lastSeenAt: Int64
    /// Newest first, at most ``Issue/recentAttemptLimit``.
    public var recentAttemptIDs: [String]
    public var snoozedUntil: Int64?
    public var resolvedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public static let recentAttemptLimit = 10

    public init(
        id: String, tenant: Tenant, destinationID: String, sourceID: String? = nil, errorType: IssueType, message: String, status: Status,
        occurrenceCount: Int, firstSeenAt: Int64, lastSeenAt: Int64, recentAttemptIDs: [String], snoozedUntil: Int64?,
        resolvedAt: Int64?, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.destinationID = destinationID
        self.sourceID = sourceID
        self.errorType = errorType
        self.message = message
        self.status = status
        self.occurrenceCount = occurrenceCount
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.recentAttemptIDs = recentAttemptIDs
        self.snoozedUntil = snoozedUntil
        self.resolvedAt = resolvedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
