import Foundation
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle

/// Periodic housekeeping: forgets dedup keys whose window has closed, so the table holds only
/// the keys that can still match.
struct Maintenance: Service {
    let store: any Store
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await store.purgeExpiredDedupKeys(now: Timestamp.millis(Date()))
            } catch {
                logger.warning("dedup key purge failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
