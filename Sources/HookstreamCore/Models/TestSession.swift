public import JSONValue

/// An ephemeral, unauthenticated webhook endpoint (`/v1/test/sessions`, `/v1/agent/sessions`).
///
/// A session *is* a source: its ID is the source's ID, so its ingest URL is the ordinary
/// `/v1/ingest/<id>`, and claiming it only moves the source and its events into the caller's
/// tenant — the URL a sender was given keeps working. Until then the source lives in
/// ``anonymousTenant``, which no credential maps to, so no organization ever sees it.
public struct TestSession: Sendable, Equatable {
    /// The tenant unclaimed sessions live in. No organization has these IDs (real ones are
    /// time-ordered, never all zeros), so every tenant-scoped query leaves them out.
    public static let anonymousTenant = Tenant(
        organizationID: "org_" + String(repeating: "0", count: 32), environmentID: "env_" + String(repeating: "0", count: 32))

    public var id: String
    public var createdAt: Int64
    public var expiresAt: Int64
    public var requestLimit: Int
    public var requestCount: Int
    public var response: CustomResponse
    /// Where each request is also sent (`PATCH …/forwarding`); `nil` = no forwarding.
    public var forwardURL: String?

    public init(
        id: String, createdAt: Int64, expiresAt: Int64, requestLimit: Int, requestCount: Int = 0, response: CustomResponse = .init(),
        forwardURL: String? = nil
    ) {
        self.id = id
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.requestLimit = requestLimit
        self.requestCount = requestCount
        self.response = response
        self.forwardURL = forwardURL
    }

    /// What the session's ingest URL answers with.
    public struct CustomResponse: Sendable, Equatable {
        public static let maxBodyBytes = 4096
        public static let statusRange = 200...599

        public var statusCode: Int
        public var contentType: String
        /// `nil` = the ordinary ingest answer (`{"event_id", "source_id"}`).
        public var body: String?
        public var headers: [String: String]

        public init(statusCode: Int = 200, contentType: String = "application/json", body: String? = nil, headers: [String: String] = [:]) {
            self.statusCode = statusCode
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }

        /// Whether it is the untouched default (the ordinary ingest answer).
        public var isDefault: Bool { self == CustomResponse() }
    }

    /// What one request to the session's ingest URL may do, decided before anything is stored.
    public enum Admission: Sendable, Equatable {
        /// Counted; the request goes on to ingest.
        case admitted(TestSession)
        /// Past `expires_at`: 410 until the periodic job deletes the session (then 404).
        case expired
        /// `request_limit` requests already taken: 429.
        case overLimit(TestSession)
        /// Deleted, purged or claimed meanwhile.
        case notFound
    }

    /// The pure admission rule: expiry first (an expired session is gone whatever its count),
    /// then the request limit. The caller stores the incremented count with the same decision.
    public func admission(now: Int64) -> Admission {
        if now >= expiresAt { return .expired }
        if requestCount >= requestLimit { return .overLimit(self) }
        var counted = self
        counted.requestCount += 1
        return .admitted(counted)
    }

    public func isExpired(now: Int64) -> Bool { now >= expiresAt }
}

/// What a test session keeps about one of its events beyond the event itself.
public struct TestEventRecord: Sendable, Equatable {
    /// The status the session's URL answered this request with (the agent API's `status` filter).
    public var responseStatus: Int
    public var note: String?
    public var forward: ForwardResult?

    public init(responseStatus: Int, note: String? = nil, forward: ForwardResult? = nil) {
        self.responseStatus = responseStatus
        self.note = note
        self.forward = forward
    }

    /// The outcome of sending the request on to the session's forwarding URL.
    public struct ForwardResult: Sendable, Equatable {
        public var url: String
        /// The target's status, `nil` when no answer came (refused, unreachable, timed out).
        public var status: Int?
        public var latencyMillis: Double
        public var error: String?
        public var forwardedAt: Int64

        public init(url: String, status: Int?, latencyMillis: Double, error: String?, forwardedAt: Int64) {
            self.url = url
            self.status = status
            self.latencyMillis = latencyMillis
            self.error = error
            self.forwardedAt = forwardedAt
        }

        public var json: JSON {
            [
                "url": .string(url), "status": status.map { .number(Double($0)) } ?? .null,
                "latency_ms": .number((latencyMillis * 10).rounded() / 10), "error": error.map(JSON.string) ?? .null,
                "forwarded_at": .string(Timestamp.iso(millis: forwardedAt)),
            ]
        }
    }
}
