import Foundation
import Synchronization

/// Fixed one-minute windows per key (an organization or a client IP). Counters live in memory
/// and are dropped wholesale when the window turns, so memory is bounded by the number of
/// distinct callers within one minute.
final class RateLimiter: Sendable {
    struct Decision {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Unix seconds at which the window resets.
        var reset: Int
    }

    private struct Window {
        var start: Int = 0
        var counts: [String: Int] = [:]
    }

    let limit: Int
    private let windowSeconds = 60
    private let window = Mutex(Window())

    init(limit: Int) { self.limit = limit }

    /// Counts one request for `key` at `now` (the server's injected clock).
    func take(_ key: String, now: Date) -> Decision {
        let seconds = Int(now.timeIntervalSince1970)
        let start = seconds - seconds % windowSeconds
        let used = window.withLock { w -> Int in
            if w.start != start {
                w.start = start
                w.counts.removeAll(keepingCapacity: true)
            }
            let next = (w.counts[key] ?? 0) + 1
            w.counts[key] = next
            return next
        }
        return Decision(allowed: used <= limit, limit: limit, remaining: max(0, limit - used), reset: start + windowSeconds)
    }
}
