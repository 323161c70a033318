import Foundation
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle

/// Periodic housekeeping: forgets dedup keys whose window has closed, and resolves issues
/// that have been quiet for `--issue-auto-resolve-seconds`.
struct Maintenance: Service {
    let store: any Store
    let issueAutoResolveSeconds: Double
    let logger: Logger
    /// Dedup windows are measured on the injected clock; so is their expiry.
    var clock: any GatewayClock = SystemClock()

    /// Often enough that an issue resolves within a small fraction of its quiet time (tests
    /// use seconds), never more than every 30 s.
    var interval: Duration {
        .milliseconds(Int64(min(30, max(0.2, issueAutoResolveSeconds / 4)) * 1000))
    }

    func run() async throws {
        var lastDedupPurge = ContinuousClock.now - .seconds(3600)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date()
            if ContinuousClock.now - lastDedupPurge >= .seconds(60) {
                lastDedupPurge = .now
                do {
                    try await store.purgeExpiredDedupKeys(now: clock.nowMillis)
                } catch {
                    logger.warning("dedup key purge failed", metadata: ["error": "\(error)"])
                }
            }
            do {
                let quietSince = now.addingTimeInterval(-issueAutoResolveSeconds)
                try await store.resolveQuietIssues(quietSince: Timestamp.millis(quietSince), now: Timestamp.millis(now))
            } catch {
                logger.warning("issue auto-resolve failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
