public import JSONValue

/// One request received at a source, exactly as it arrived.
public struct Event: Sendable, Equatable {
    /// Where the event is in its life, in lifecycle order. `held`: received while its source
    /// was paused, stored but not routed until the source resumes (then `processing`, or
    /// `received` when no connection matches). The raw values are the API's and the store's.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case received
        case held
        case processing
        case delivered
        case failed
    }

    /// Whether the request repeated one already accepted inside the source's dedup window.
    /// A duplicate is stored as a record of the retry but never routed.
    public enum DedupStatus: String, Sendable, Equatable, CaseIterable {
        case unique
        case duplicate
    }

    /// What the source's checks said about the request: `unverified` when the source checks no
    /// signature, `verified` when it checked one and it matched, `schema_invalid` when the body
    /// failed the source's JSON Schema in flag mode (reject mode refuses it instead).
    public enum VerificationStatus: String, Sendable, Equatable, CaseIterable {
        case unverified
        case verified
        case schemaInvalid = "schema_invalid"
    }

    public var id: String
    public var tenant: Tenant
    public var sourceID: String
    public var method: String
    /// Header names lower-cased; repeated headers joined with ", " as HTTP allows.
    public var headers: JSONObject
    /// Query parameters; a repeated parameter becomes an array of its values.
    public var query: JSONObject
    public var contentType: String?
    public var sourceIP: String?
    public var bodySize: Int
    public var body: EventBody
    public var status: Status
    public var dedupStatus: DedupStatus
    public var verificationStatus: VerificationStatus?
    public var receivedAt: Int64

    public init(
        id: String, tenant: Tenant, sourceID: String, method: String, headers: JSONObject, query: JSONObject,
        contentType: String?, sourceIP: String?, bodySize: Int, body: EventBody, status: Status = .received,
        dedupStatus: DedupStatus = .unique, verificationStatus: VerificationStatus? = nil, receivedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.sourceID = sourceID
        self.method = method
        self.headers = headers
        self.query = query
        self.contentType = contentType
        self.sourceIP = sourceIP
        self.bodySize = bodySize
        self.body = body
        self.status = status
        self.dedupStatus = dedupStatus
        self.verificationStatus = verificationStatus
        self.receivedAt = receivedAt
    }
}

/// Where an event's body bytes live: inline in the row (small bodies) or in the blob store
/// under `key` (bodies over the inline limit).
public enum EventBody: Sendable, Equatable {
    case inline([UInt8])
    case blob(key: String)
}

extension Event {
    /// Bodies larger than this go to the blob store; the row keeps a reference.
    public static let inlineBodyLimit = 10 * 1024

    public var isHeld: Bool { status == .held }
}
