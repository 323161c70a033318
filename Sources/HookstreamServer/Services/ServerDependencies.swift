import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import Logging
import Prometheus
import Synchronization

/// What route handlers share: storage, secrets, settings and instruments. Built once at start.
struct ServerDependencies: Sendable {
    let configuration: ServerConfiguration
    let store: any Store
    let blobs: BlobStore
    let ingestWriter: IngestWriter
    let delivery: DeliveryEngine
    let secrets: SecretBox
    let sources: SourceCache
    let topics: TopicCache
    let apiKeys: APIKeyCache
    let clientAddresses: ClientAddressResolver
    let usage: APIKeyUsageRecorder
    let metrics: PrometheusCollectorRegistry
    let instruments: GatewayMetrics.Instruments
    let baseURL: BaseURL
    let logger: Logger
    /// Routing and its commit, shared by ingest, event retry and the release of held events.
    let routing: EventRouting
    let releaser: HeldEventReleaser
    /// Retention's archive: listing and restoring archived days.
    let archiver: EventArchiver
    /// Replay jobs being driven on this node.
    let replays: ReplayRunner
    /// Every outbound HTTP request the server makes goes through it (the outbound policy).
    let outbound: OutboundHTTPClient
    /// Runs collection backfills started through the API.
    let backfiller: CollectionBackfiller
    /// Live collection sync's `collections:<id>` messages (ingest's writer calls it after each
    /// commit; see `CollectionSyncBroadcaster`).
    let collectionSync: any CollectionSyncBroadcaster
    /// The WebSocket hub: publish here after a commit, never inside a transaction.
    let realtime: RealtimeHub
    /// Sends alert and test notifications to channels, recording each outcome.
    let notifier: Notifier
    /// The change-capture loops of this node's active database sources.
    let capture: CaptureSupervisor
}

/// The externally visible URL of this server, known for certain only once the listener is
/// bound (`--port 0`).
final class BaseURL: Sendable {
    private let value: Mutex<String>

    init(_ initial: String) { value = Mutex(initial) }

    var string: String { value.withLock { $0 } }

    func set(_ url: String) { value.withLock { $0 = url } }
}

/// Live sources by ID for the ingest path, which must not pay a database read (or a schema
/// compile) per request, with the connections events are routed through. Entries expire after
/// a few seconds, and this node drops an entry the moment the source or one of its connections
/// is changed or deleted through its API, so a deleted source stops accepting at once, a new
/// secret applies to the next request, and a new connection routes the next event.
final class SourceCache: Sendable {
    struct Entry: Sendable {
        var source: Source
        var policy: SourcePolicy
        var router: EventRouter
    }

    private let cache = ExpiringCache<Entry>()
    private let store: any Store
    private let secrets: SecretBox

    init(store: any Store, secrets: SecretBox) {
        self.store = store
        self.secrets = secrets
    }

    func entry(id: String) async throws -> Entry? {
        try await cache.value(for: id) { [store, secrets] in
            guard let source = try await store.source(id: id) else { return nil }
            let router = EventRouter(connections: try await store.activeConnections(sourceID: id))
            return Entry(source: source, policy: try SourcePolicy(source, secrets: secrets), router: router)
        }
    }

    func invalidate(_ id: String) {
        cache.remove(id)
    }
}

/// Live topics for publish, by slug or ID within an environment, and the router of their
/// subscriptions (filters and transforms compiled once, not per publish). Any change to a topic
/// or a subscription empties it on this node: such changes are rare, and a publish must see
/// a new subscription at once.
final class TopicCache: Sendable {
    struct Entry: Sendable {
        var topic: Topic
        var router: EventRouter
    }

    private let cache = ExpiringCache<Entry>()
    private let routers = ExpiringCache<EventRouter>()
    private let store: any Store

    init(store: any Store) { self.store = store }

    /// The topic `key` (its slug, or its `top_` ID) names in `tenant`.
    func entry(tenant: Tenant, key: String) async throws -> Entry? {
        try await cache.value(for: "\(tenant.organizationID)/\(tenant.environmentID)/\(key)") { [store] in
            let topic: Topic?
            if ResourceID.isWellFormed(key, .topic) {
                topic = try await store.topic(id: key, tenant: tenant)?.topic
            } else {
                topic = try await store.topic(slug: key, tenant: tenant)
            }
            guard let topic else { return nil }
            return Entry(topic: topic, router: try await Self.router(store, topicID: topic.id))
        }
    }

    /// The router of a topic's subscriptions as they are now, for routing its events.
    func router(topicID: String) async throws -> EventRouter {
        try await routers.value(for: topicID) { [store] in try await Self.router(store, topicID: topicID) }!
    }

    private static func router(_ store: any Store, topicID: String) async throws -> EventRouter {
        EventRouter(connections: try await store.activeSubscriptions(topicID: topicID).map(\.asConnection))
    }

    func invalidateAll() {
        cache.removeAll()
        routers.removeAll()
    }
}

extension ServerDependencies {
    /// A source's connections changed: ingest re-reads its routes, and a database source
    /// starts capturing with its first connection or stops with its last.
    func routesChanged(sourceID: String) async throws {
        sources.invalidate(sourceID)
        try await capture.sync(sourceID: sourceID)
    }
}
