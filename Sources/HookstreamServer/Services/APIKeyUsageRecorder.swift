import Foundation
import HookstreamStore
import Logging
import ServiceLifecycle
import Synchronization

/// Counts API key use in memory and writes the totals once a second, so authenticating a
/// request costs a read, not a write competing with ingest for the database writer.
final class APIKeyUsageRecorder: Service, Sendable {
    private let pending = Mutex<[String: APIKeyUsage]>([:])
    private let store: any Store
    private let logger: Logger

    init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func record(keyID: String, at millis: Int64) {
        pending.withLock { p in
            var use = p[keyID] ?? APIKeyUsage(requests: 0, lastUsedAt: millis)
            use.requests += 1
            use.lastUsedAt = max(use.lastUsedAt, millis)
            p[keyID] = use
        }
    }

    func flush() async {
        let batch = pending.withLock { p in
            defer { p = [:] }
            return p
        }
        do {
            try await store.recordAPIKeyUsage(batch)
        } catch {
            logger.warning("could not record API key usage", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            await flush()
        }
        await flush()
    }
}
