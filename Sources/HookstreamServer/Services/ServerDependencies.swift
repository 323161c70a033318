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

    private struct Slot {
        var entry: Entry?
        var fetchedAt: ContinuousClock.Instant
    }

    private let slots = Mutex<[String: Slot]>([:])
    private let store: any Store
    private let secrets: SecretBox
    private let lifetime: Duration
    private let capacity = 10_000

    init(store: any Store, secrets: SecretBox, lifetime: Duration = .seconds(5)) {
        self.store = store
        self.secrets = secrets
        self.lifetime = lifetime
    }

    func entry(id: String) async throws -> Entry? {
        let now = ContinuousClock.now
        if let slot = slots.withLock({ $0[id] }), now - slot.fetchedAt < lifetime {
            return slot.entry
        }
        var entry: Entry?
        if let source = try await store.source(id: id) {
            let router = EventRouter(connections: try await store.activeConnections(sourceID: id))
            entry = Entry(source: source, policy: try SourcePolicy(source, secrets: secrets), router: router)
        }
        slots.withLock { s in
            if s.count >= capacity { s.removeAll(keepingCapacity: true) }
            s[id] = Slot(entry: entry, fetchedAt: now)
        }
        return entry
    }

    func invalidate(_ id: String) {
        _ = slots.withLock { $0.removeValue(forKey: id) }
    }
}
