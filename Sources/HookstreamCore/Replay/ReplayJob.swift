/// A replay job: re-sends a window of stored events, oldest first, to one destination at a
/// bounded rate, once each (failures are recorded and counted, never retried). The job and its
/// progress live in the database; `cursor` (the last event processed) is what lets a restarted
/// server go on where it stopped instead of starting again.
public struct ReplayJob: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case running
        case completed
        case cancelled
        /// The destination was deleted while the job ran.
        case failed
    }

    public var id: String
    public var tenant: Tenant
    public var destinationID: String
    public var sourceID: String?
    /// The window, Unix milliseconds, both ends included.
    public var from: Int64
    public var to: Int64
    public var rateLimit: Int
    public var maxEvents: Int
    public var status: Status
    /// Events the job will send: those in the window when it was created, capped at `maxEvents`.
    public var total: Int
    public var processed: Int
    public var succeeded: Int
    public var failed: Int
    /// The ID of the last event processed; the next batch starts after it.
    public var cursor: String?
    public var startedAt: Int64
    public var completedAt: Int64?
    /// When a finished job is forgotten (`completedAt` + `--replay-job-ttl-seconds`).
    public var expiresAt: Int64?

    public init(
        id: String, tenant: Tenant, destinationID: String, sourceID: String?, from: Int64, to: Int64, rateLimit: Int, maxEvents: Int,
        status: Status = .running, total: Int = 0, processed: Int = 0, succeeded: Int = 0, failed: Int = 0, cursor: String? = nil,
        startedAt: Int64, completedAt: Int64? = nil, expiresAt: Int64? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.destinationID = destinationID
        self.sourceID = sourceID
        self.from = from
        self.to = to
        self.rateLimit = rateLimit
        self.maxEvents = maxEvents
        self.status = status
        self.total = total
        self.processed = processed
        self.succeeded = succeeded
        self.failed = failed
        self.cursor = cursor
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.expiresAt = expiresAt
    }

    /// Events still to send.
    public var remaining: Int { max(0, total - processed) }

    public static let defaultRateLimit = 10
    public static let rateLimits = 1...100
    public static let defaultMaxEvents = 1000
    public static let maxEventsRange = 1...10_000
}
