public import JSONValue

/// A webhook source: an ingest URL plus the checks applied to what arrives there.
///
/// Secrets are held sealed (see `SecretBox`); routes open them only where a check needs them.
public struct Source: Sendable, Equatable {
    /// A paused source still accepts and stores every request, but routes nothing until it is
    /// active again (its events are held).
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case active
        case paused
    }

    /// What feeds the source: requests at its ingest URL, or a PostgreSQL database's changes
    /// (see `CaptureState`). Fixed once created.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case webhook
        case postgresql
    }

    public var id: String
    public var tenant: Tenant
    public var kind: Kind
    public var name: String
    public var slug: String
    public var status: Status
    public var template: String?
    public var verificationType: String?
    public var verificationHeader: String?
    public var sealedSecret: String?
    public var sealedPreviousSecret: String?
    public var previousSecretExpiresAt: Int64?
    public var dedupStrategy: String?
    public var dedupField: String?
    public var dedupWindowSeconds: Double
    public var ipAllowlist: [String]?
    public var ipDenylist: [String]?
    public var schemaValidationEnabled: Bool
    public var jsonSchema: JSON?
    public var schemaAction: String
    public var eventCount: Int64
    /// Live collections fed by this source (kept by the store). Ingest parses the body in the
    /// request's task when it is above zero, so the writer does not have to (a hint only: the
    /// insert transaction reads the collections themselves).
    public var collectionCount: Int64 = 0
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, tenant: Tenant, kind: Kind = .webhook, name: String, slug: String, status: Status = .active, template: String? = nil,
        verificationType: String? = nil, verificationHeader: String? = nil, sealedSecret: String? = nil,
        sealedPreviousSecret: String? = nil, previousSecretExpiresAt: Int64? = nil, dedupStrategy: String? = nil,
        dedupField: String? = nil, dedupWindowSeconds: Double = 300, ipAllowlist: [String]? = nil,
        ipDenylist: [String]? = nil, schemaValidationEnabled: Bool = false, jsonSchema: JSON? = nil,
        schemaAction: String = "reject", eventCount: Int64 = 0, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.kind = kind
        self.name = name
        self.slug = slug
        self.status = status
        self.template = template
        self.verificationType = verificationType
        self.verificationHeader = verificationHeader
        self.sealedSecret = sealedSecret
        self.sealedPreviousSecret = sealedPreviousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.dedupStrategy = dedupStrategy
        self.dedupField = dedupField
        self.dedupWindowSeconds = dedupWindowSeconds
        self.ipAllowlist = ipAllowlist
        self.ipDenylist = ipDenylist
        self.schemaValidationEnabled = schemaValidationEnabled
        self.jsonSchema = jsonSchema
        self.schemaAction = schemaAction
        self.eventCount = eventCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
