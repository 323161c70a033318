public import JSONValue

/// One attempt to deliver an event through a connection to a destination.
///
/// A row with status `pending` is a scheduled attempt: the delivery queue is the set of pending
/// attempts whose `scheduledAt` has come. When a worker makes the attempt, the row becomes
/// `success` or `failed`; a failure that will be retried gets `nextRetryAt` and a new pending
/// row with the next `attemptNumber`; one that will not is marked `isDLQ`. Consecutive
/// attempts of the same event, connection and destination form a chain; a manual retry starts
/// a new chain at attempt 1, leaving the old rows as they were.
public struct DeliveryAttempt: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, success, failed
    }

    public var id: String
    public var tenant: Tenant
    public var eventID: String
    public var connectionID: String?
    public var destinationID: String
    public var status: Status
    public var attemptNumber: Int
    public var scheduledAt: Int64
    public var attemptedAt: Int64?
    public var statusCode: Int?
    public var latencyMs: Int?
    public var error: String?
    /// The issue type of a failure (`http_5xx`, …) or `destination_deleted` for a cancelled one.
    public var errorType: String?
    public var requestHeaders: JSONObject?
    public var responseHeaders: JSONObject?
    public var responseBody: String?
    public var nextRetryAt: Int64?
    public var isDLQ: Bool
    public var dlqAt: Int64?
    public var issueID: String?
    public var createdAt: Int64

    public init(
        id: String, tenant: Tenant, eventID: String, connectionID: String?, destinationID: String, status: Status = .pending,
        attemptNumber: Int = 1, scheduledAt: Int64, attemptedAt: Int64? = nil, statusCode: Int? = nil, latencyMs: Int? = nil,
        error: String? = nil, errorType: String? = nil, requestHeaders: JSONObject? = nil, responseHeaders: JSONObject? = nil,
        responseBody: String? = nil, nextRetryAt: Int64? = nil, isDLQ: Bool = false, dlqAt: Int64? = nil, issueID: String? = nil,
        createdAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.eventID = eventID
        self.connectionID = connectionID
        self.destinationID = destinationID
        self.status = status
        self.attemptNumber = attemptNumber
        self.scheduledAt = scheduledAt
        self.attemptedAt = attemptedAt
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.error = error
        self.errorType = errorType
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.nextRetryAt = nextRetryAt
        self.isDLQ = isDLQ
        self.dlqAt = dlqAt
        self.issueID = issueID
        self.createdAt = createdAt
    }
}

extension DeliveryAttempt {
    /// The error type of attempts cancelled because their destination was deleted.
    public static let destinationDeletedErrorType = "destination_deleted"
}

/// Where an event goes: one connection to one destination, decided at ingest.
public struct Route: Sendable, Hashable {
    public var connectionID: String
    public var destinationID: String

    public init(connectionID: String, destinationID: String) {
        self.connectionID = connectionID
        self.destinationID = destinationID
    }
}
