import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue
import NIOCore

/// `/v1/topics`: pub/sub fan-out. A topic's subscriptions are routes from the topic to a
/// destination, with the filters and transforms connections have (validated by the same code,
/// at save). Publishing goes through ingest's commit: the event and one delivery per matching
/// subscription are durable before the answer.
struct TopicsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/topics", use: list)
        router.post("/v1/topics", use: create)
        router.get("/v1/topics/:id", use: get)
        router.patch("/v1/topics/:id", use: update)
        router.delete("/v1/topics/:id", use: delete)
        router.post("/v1/topics/:id/subscriptions", use: subscribe)
        router.patch("/v1/topics/:id/subscriptions/:sub_id", use: updateSubscription)
        router.delete("/v1/topics/:id/subscriptions/:sub_id", use: unsubscribe)
        // The path segment is the slug (the documented publish address); a topic ID is taken
        // too, since the router shares the segment with `/v1/topics/:id`.
        router.post("/v1/topics/:id/publish", use: publish)
    }

    static let fields: BodyFields = ["name", "slug", "description"]
    static let subscriptionFields: BodyFields = [
        "destination_id", .nested("filter_rules", ["field", "op", "operator", "value"]), "transform_expression",
    ]

    // MARK: Topics

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let paging = try Paging(request.uri.queryParameters, defaultLimit: 20)
        let page = try await deps.store.topics(tenant: identity.tenant, beforeID: paging.afterID, limit: paging.limit)
        return .json(page.listBody("topics", render: render))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let now = Timestamp.millis(Date())
        let slug = try body.requiredString("slug", maxLength: 100)
        guard Slug.isValid(slug) else {
            throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens, and must not start or end with a hyphen")
        }
        let topic = Topic(
            id: ResourceID.make(.topic), tenant: identity.tenant, name: try body.requiredString("name", maxLength: 200), slug: slug,
            description: try body.string("description", maxLength: 2000), createdAt: now, updatedAt: now)
        try await deps.store.createTopic(topic)
        deps.topics.invalidateAll()  // a publish may have cached "no such slug"
        return .json(render(StoredTopic(topic: topic, subscriptionCount: 0)), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let stored = try await existing(try context.parameters.require("id"), identity.tenant)
        let subscriptions = try await deps.store.subscriptions(topicID: stored.topic.id, tenant: identity.tenant)
        return .json(["topic": render(stored), "subscriptions": .array(subscriptions.map(Self.render))])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        var stored = try await existing(try context.parameters.require("id"), identity.tenant)
        if let slug = try body.string("slug", maxLength: 100), slug != stored.topic.slug {
            throw APIError.badRequest("'slug' cannot be changed: publishers address the topic by it")
        }
        if body.has("name") { stored.topic.name = try body.requiredString("name", maxLength: 200) }
        if body.has("description") { stored.topic.description = try body.string("description", maxLength: 2000) }
        stored.topic.updatedAt = Timestamp.millis(Date())
        do {
            try await deps.store.updateTopic(stored.topic)
        } catch StoreError.notFound {
            throw APIError.notFound("Topic")
        }
        deps.topics.invalidateAll()
        return .json(render(stored))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        do {
            try await deps.store.deleteTopic(id: try context.parameters.require("id"), tenant: identity.tenant, at: Timestamp.millis(Date()))
        } catch StoreError.notFound {
            throw APIError.notFound("Topic")
        }
        deps.topics.invalidateAll()
        return .json(["success": true])
    }

    // MARK: Subscriptions

    @Sendable func subscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let topic = try await existing(try context.parameters.require("id"), identity.tenant).topic
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.subscriptionFields)
        let destinationID = try body.requiredString("destination_id", maxLength: 80)
        guard try await deps.store.destination(id: destinationID, tenant: identity.tenant) != nil else {
            throw APIError.badRequest("Destination \(destinationID) not found")
        }
        let now = Timestamp.millis(Date())
        var subscription = TopicSubscription(
            id: ResourceID.make(.subscription), tenant: identity.tenant, topicID: topic.id, destinationID: destinationID, createdAt: now,
            updatedAt: now)
        try Self.apply(body, to: &subscription)
        try await deps.store.createSubscription(subscription)
        deps.topics.invalidateAll()
        return .json(["subscription": try await renderedSubscription(subscription.id, topic.id, identity.tenant)], status: .created)
    }

    @Sendable func updateSubscription(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let topic = try await existing(try context.parameters.require("id"), identity.tenant).topic
        let id = try context.parameters.require("sub_id")
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.subscriptionFields)
        guard var subscription = try await deps.store.subscription(id: id, topicID: topic.id, tenant: identity.tenant)?.subscription else {
            throw APIError.notFound("Subscription")
        }
        if let destinationID = try body.string("destination_id", maxLength: 80), destinationID != subscription.destinationID {
            throw APIError.badRequest("'destination_id' cannot be changed; subscribe the other destination instead")
        }
        try Self.apply(body, to: &subscription)
        subscription.updatedAt = Timestamp.millis(Date())
        do {
            try await deps.store.updateSubscription(subscription)
        } catch StoreError.notFound {
            throw APIError.notFound("Subscription")
        }
        deps.topics.invalidateAll()
        return .json(["subscription": try await renderedSubscription(id, topic.id, identity.tenant)])
    }

    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let topic = try await existing(try context.parameters.require("id"), identity.tenant).topic
        do {
            try await deps.store.deleteSubscription(
                id: try context.parameters.require("sub_id"), topicID: topic.id, tenant: identity.tenant, at: Timestamp.millis(Date()))
        } catch StoreError.notFound {
            throw APIError.notFound("Subscription")
        }
        deps.topics.invalidateAll()
        return .json(["success": true])
    }

    /// Filters and transform, validated exactly as a connection's.
    private static func apply(_ body: JSONBody, to s: inout TopicSubscription) throws {
        if let rules = try ConnectionsRoutes.filterRules(body) { s.filterRules = rules }
        if let expression = try ConnectionsRoutes.transformExpression(body) { s.transformExpression = expression }
    }

    // MARK: Rendering

    private func existing(_ id: String, _ tenant: Tenant) async throws -> StoredTopic {
        guard let stored = try await deps.store.topic(id: id, tenant: tenant) else { throw APIError.notFound("Topic") }
        return stored
    }

    private func renderedSubscription(_ id: String, _ topicID: String, _ tenant: Tenant) async throws -> JSON {
        guard let stored = try await deps.store.subscription(id: id, topicID: topicID, tenant: tenant) else {
            throw APIError.notFound("Subscription")
        }
        return Self.render(stored)
    }

    func render(_ stored: StoredTopic) -> JSON {
        let t = stored.topic
        return [
            "id": .string(t.id), "name": .string(t.name), "slug": .string(t.slug), "description": t.description.map(JSON.string) ?? .null,
            "subscription_count": .number(Double(stored.subscriptionCount)),
            "publish_url": .string(deps.baseURL.string + "/v1/topics/\(t.slug)/publish"),
            "created_at": .string(Timestamp.iso(millis: t.createdAt)), "updated_at": .string(Timestamp.iso(millis: t.updatedAt)),
        ]
    }

    static func render(_ stored: StoredSubscription) -> JSON {
        let s = stored.subscription
        return [
            "id": .string(s.id), "topic_id": .string(s.topicID), "destination_id": .string(s.destinationID),
            "destination_name": stored.destinationName.map(JSON.string) ?? .null, "filter_rules": s.filterRules.json,
            "transform_expression": s.transformExpression.map(JSON.string) ?? .null,
            "created_at": .string(Timestamp.iso(millis: s.createdAt)), "updated_at": .string(Timestamp.iso(millis: s.updatedAt)),
        ]
    }
}
