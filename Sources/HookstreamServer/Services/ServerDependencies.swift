import Foundation
import HookstreamCore
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
    let secrets: SecretBox
    let sources: SourceCache
    let usage: APIKeyUsageRecorder
    let metrics: PrometheusCollectorRegistry
    let baseURL: BaseURL
    let logger: Logger
}

/// The externally visible URL of this server, known for certain only once the listener is
/// bound (`--port 0`).
final class BaseURL: Sendable {
    private let value: Mutex<String>

    init(_ initial: String) { value = Mutex(initial) }

    var string: String { value.withLock { $0 } }

    func set(_ url: String) { value.withLock { $0 = url } }
}

/// Live sources by ID for the ingest path, which must not pay a database read per request.
/// Entries expire after a few seconds, and this node drops an entry the moment the source is
/// changed or deleted through its API, so a deleted source stops accepting at once.
final class SourceCache: Sendable {
    private struct Entry {
        var source: Source?
        var fetchedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let store: any Store
    private let lifetime: Duration
    private let capacity = 10_000

    init(store: any Store, lifetime: Duration = .seconds(5)) {
        self.store = store
        self.lifetime = lifetime
    }

    func source(id: String) async throws -> Source? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[id] }), now - entry.fetchedAt < lifetime {
            return entry.source
        }
        let source = try await store.source(id: id)
        entries.withLock { e in
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[id] = Entry(source: source, fetchedAt: now)
        }
        return source
    }

    func invalidate(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
