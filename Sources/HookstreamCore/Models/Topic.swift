/// A named channel an application publishes to; every subscription whose filter the event
/// passes gets one delivery, shaped by its own transform. The slug is the publish address,
/// unique per environment and fixed at creation (publishers have it in their code).
public struct Topic: Sendable, Equatable {
    public var id: String
    public var tenant: Tenant
    public var name: String
    public var slug: String
    public var description: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, tenant: Tenant, name: String, slug: String, description: String? = nil, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.slug = slug
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A destination subscribed to a topic, with the same filter rules and JSONata transform a
/// connection has. A transform applies whenever an expression is set (the API has no
/// separate switch for subscriptions).
public struct TopicSubscription: Sendable, Equatable {
    public var id: String
    public var tenant: Tenant
    public var topicID: String
    public var destinationID: String
    public var filterRules: FilterRuleSet
    public var transformExpression: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, tenant: Tenant, topicID: String, destinationID: String, filterRules: FilterRuleSet = .matchAll,
        transformExpression: String? = nil, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.topicID = topicID
        self.destinationID = destinationID
        self.filterRules = filterRules
        self.transformExpression = transformExpression
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The subscription as the route it is: from its topic to its destination. Routing and
    /// filtering then run exactly as for a source's connections.
    public var asConnection: Connection {
        Connection(
            id: id, tenant: tenant, name: nil, sourceID: topicID, destinationID: destinationID, filterRules: filterRules,
            transformExpression: transformExpression, transformEnabled: transformExpression != nil, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension Event {
    /// The topic a published event was published to. A published event keeps its topic's ID
    /// where a received one keeps its source's (the `source_id` column), so listing, retention,
    /// retry and replay treat both alike; the `top_` prefix tells them apart.
    public var topicID: String? { sourceID.hasPrefix(IDPrefix.topic.rawValue + "_") ? sourceID : nil }
}
