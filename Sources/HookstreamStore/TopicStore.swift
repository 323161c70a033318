public import HookstreamCore

/// Topics and their subscriptions. Reads and writes are tenant-scoped like every other
/// resource; ``activeSubscriptions(topicID:)`` is the routing read and works by ID alone.
public protocol TopicStore: Sendable {
    /// - Throws: `StoreError.conflict` naming the slug when the environment already has it.
    func createTopic(_ topic: Topic) async throws
    func topic(id: String, tenant: Tenant) async throws -> StoredTopic?
    func topic(slug: String, tenant: Tenant) async throws -> Topic?
    func topics(tenant: Tenant, beforeID: String?, limit: Int) async throws -> Page<StoredTopic>
    /// Saves name and description (the slug is fixed at creation).
    func updateTopic(_ topic: Topic) async throws
    /// Deletes the topic and its subscriptions in one transaction. Deliveries already queued
    /// from them are left alone: they were accepted while the subscription existed.
    func deleteTopic(id: String, tenant: Tenant, at: Int64) async throws

    func createSubscription(_ subscription: TopicSubscription) async throws
    func subscription(id: String, topicID: String, tenant: Tenant) async throws -> StoredSubscription?
    /// Every live subscription of a topic, oldest first, with its destination's name.
    func subscriptions(topicID: String, tenant: Tenant) async throws -> [StoredSubscription]
    func updateSubscription(_ subscription: TopicSubscription) async throws
    func deleteSubscription(id: String, topicID: String, tenant: Tenant, at: Int64) async throws
    /// The live subscriptions of a topic whatever its tenant (routing knows the topic's ID).
    func activeSubscriptions(topicID: String) async throws -> [TopicSubscription]
}

/// A topic with its live subscription count.
public struct StoredTopic: Sendable {
    public var topic: Topic
    public var subscriptionCount: Int

    public init(topic: Topic, subscriptionCount: Int) {
        self.topic = topic
        self.subscriptionCount = subscriptionCount
    }
}

/// A subscription with its destination's name (`nil` once the destination was deleted).
public struct StoredSubscription: Sendable {
    public var subscription: TopicSubscription
    public var destinationName: String?

    public init(subscription: TopicSubscription, destinationName: String?) {
        self.subscription = subscription
        self.destinationName = destinationName
    }
}
