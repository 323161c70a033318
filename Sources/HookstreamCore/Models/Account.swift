public struct Organization: Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: Int64

    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

public struct Environment: Sendable, Equatable {
    public var id: String
    public var organizationID: String
    public var name: String
    public var createdAt: Int64

    public init(id: String, organizationID: String, name: String, createdAt: Int64) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.createdAt = createdAt
    }
}

public struct User: Sendable, Equatable {
    public var id: String
    public var email: String
    public var name: String?
    public var organizationID: String
    public var environmentID: String
    public var createdAt: Int64

    public init(id: String, email: String, name: String?, organizationID: String, environmentID: String, createdAt: Int64) {
        self.id = id
        self.email = email
        self.name = name
        self.organizationID = organizationID
        self.environmentID = environmentID
        self.createdAt = createdAt
    }
}

/// An API key as listings show it; the key itself is never stored.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    public var organizationID: String
    public var environmentID: String
    public var userID: String?
    public var name: String
    public var keyPrefix: String
    public var requestCount: Int64
    public var revoked: Bool
    public var createdAt: Int64
    public var lastUsedAt: Int64?

    public init(
        id: String, organizationID: String, environmentID: String, userID: String?, name: String, keyPrefix: String,
        requestCount: Int64 = 0, revoked: Bool = false, createdAt: Int64, lastUsedAt: Int64? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.environmentID = environmentID
        self.userID = userID
        self.name = name
        self.keyPrefix = keyPrefix
        self.requestCount = requestCount
        self.revoked = revoked
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}
