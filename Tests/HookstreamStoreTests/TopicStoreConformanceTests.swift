import Foundation
import HookstreamCore
import HookstreamStore
import JSONValue
import Testing

/// The contract of `TopicStore`, and of a published event in the insert and claim paths, run
/// against every backend.
@Suite struct TopicStoreConformanceTests {
    static let t0 = StoreFixture.t0

    static func topic(_ f: StoreFixture, slug: String = "orders") -> Topic {
        Topic(id: ResourceID.make(.topic), tenant: f.tenant, name: "Orders", slug: slug, createdAt: t0, updatedAt: t0)
    }

    static func subscription(_ f: StoreFixture, _ topic: Topic, transform: String? = nil) -> TopicSubscription {
        TopicSubscription(
            id: ResourceID.make(.subscription), tenant: f.tenant, topicID: topic.id, destinationID: f.destination.id,
            filterRules: try! FilterRuleSet(json: [["field": "payload.type", "op": "eq", "value": "a"]]), transformExpression: transform,
            createdAt: t0, updatedAt: t0)
    }

    @Test(arguments: StoreBackend.all)
    func topicsAreScopedSlugsUniqueAndDeletionTakesSubscriptions(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let mine = try await StoreFixture.make(store)
        let theirs = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        let orders = Self.topic(mine)
        try await store.createTopic(orders)
        try await store.createTopic(Self.topic(theirs))
        await #expect(throws: StoreError.conflict("A topic with the slug 'orders' already exists")) { try await store.createTopic(Self.topic(mine)) }

        #expect(try await store.topic(id: orders.id, tenant: mine.tenant)?.topic == orders)
        #expect(try await store.topic(id: orders.id, tenant: theirs.tenant) == nil)
        #expect(try await store.topic(slug: "orders", tenant: mine.tenant) == orders)
        #expect(try await store.topic(slug: "orders", tenant: theirs.tenant)?.id != orders.id)

        let sub = Self.subscription(mine, orders, transform: "{ \"x\": 1 }")
        try await store.createSubscription(sub)
        #expect(try await store.topic(id: orders.id, tenant: mine.tenant)?.subscriptionCount == 1)
        let stored = try #require(try await store.subscription(id: sub.id, topicID: orders.id, tenant: mine.tenant))
        #expect(stored.subscription == sub)
        #expect(stored.destinationName == "Receiver")
        #expect(try await store.subscription(id: sub.id, topicID: orders.id, tenant: theirs.tenant) == nil)
        #expect(try await store.activeSubscriptions(topicID: orders.id) == [sub])

        var changed = sub
        changed.transformExpression = nil
        changed.filterRules = .matchAll
        try await store.updateSubscription(changed)
        #expect(try await store.subscriptions(topicID: orders.id, tenant: mine.tenant).map(\.subscription) == [changed])
        var stolen = changed
        stolen.tenant = theirs.tenant
        await #expect(throws: StoreError.notFound) { try await store.updateSubscription(stolen) }
        await #expect(throws: StoreError.notFound) { try await store.deleteTopic(id: orders.id, tenant: theirs.tenant, at: Self.t0) }

        var renamed = orders
        renamed.name = "All orders"
        renamed.description = "every order"
        try await store.updateTopic(renamed)
        #expect(try await store.topic(id: orders.id, tenant: mine.tenant)?.topic == renamed)

        try await store.deleteTopic(id: orders.id, tenant: mine.tenant, at: Self.t0 + 1)
        #expect(try await store.topic(id: orders.id, tenant: mine.tenant) == nil)
        #expect(try await store.activeSubscriptions(topicID: orders.id).isEmpty)
        #expect(try await store.topics(tenant: mine.tenant, beforeID: nil, limit: 10).items.isEmpty)
        // The slug is free again once the topic is gone.
        try await store.createTopic(Self.topic(mine))
    }

    @Test(arguments: StoreBackend.all)
    func topicsPageNewestFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        var ids: [String] = []
        for n in 0..<5 {
            let t = Self.topic(f, slug: "t-\(n)")
            try await store.createTopic(t)
            ids.append(t.id)
        }
        let first = try await store.topics(tenant: f.tenant, beforeID: nil, limit: 3)
        #expect(first.items.map(\.topic.id) == Array(ids.reversed().prefix(3)))
        #expect(first.hasMore)
        let second = try await store.topics(tenant: f.tenant, beforeID: first.nextAfterID, limit: 3)
        #expect(second.items.map(\.topic.id) == Array(ids.reversed().suffix(2)))
        #expect(!second.hasMore)
    }

    /// A published event commits with its deliveries like any other, and a claim finds each
    /// subscription's transform — still after the subscription was deleted.
    @Test(arguments: StoreBackend.all)
    func publishedEventsCarryTheirSubscriptionsTransformIntoTheClaim(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let orders = Self.topic(f)
        try await store.createTopic(orders)
        let sub = Self.subscription(f, orders, transform: "{ \"id\": id }")
        try await store.createSubscription(sub)
        let event = Event(
            id: ResourceID.make(.event), tenant: f.tenant, sourceID: orders.id, method: "POST", headers: [:], query: [:],
            contentType: "application/json", sourceIP: nil, bodySize: 2, body: .inline(Array("{}".utf8)), receivedAt: Self.t0)
        #expect(event.topicID == orders.id)
        var incoming = IncomingEvent(event: event, routes: [Route(connectionID: sub.id, destinationID: f.destination.id)])
        // The first attempt is stored under the ID the delivery engine reserved.
        incoming.attemptIDs = [ResourceID.make(.deliveryAttempt)]
        let outcome = try await store.insertEvents([incoming])
        var expected = IngestOutcome(eventID: event.id, duplicate: false)
        expected.attemptIDs = incoming.attemptIDs!
        #expect(outcome == [expected])
        try await store.deleteTopic(id: orders.id, tenant: f.tenant, at: Self.t0 + 1)
        let claim = try await store.claimDue(destinationID: f.destination.id, now: Self.t0 + 10, limit: 10, excluding: [])
        #expect(claim.attempts.map(\.event.id) == [event.id])
        #expect(claim.attempts.map(\.attempt.id) == incoming.attemptIDs)
        #expect(claim.attempts.first?.transformExpression == "{ \"id\": id }")
        #expect(try await store.events(tenant: f.tenant, query: EventQuery(sourceID: orders.id)).items.map(\.event.id) == [event.id])
    }
}
