import Synchronization

/// Values looked up on hot paths (ingest, publish) that must not cost a database read per
/// request: each answer — including "there is none" — is kept for `lifetime`, and the routes
/// that change what it was built from drop it at once on this node. Other nodes see a change
/// within `lifetime`. Bounded: at `capacity` entries the cache starts over.
final class ExpiringCache<Value: Sendable>: Sendable {
    private struct Slot {
        var value: Value?
        var fetchedAt: ContinuousClock.Instant
    }

    private let slots = Mutex<[String: Slot]>([:])
    private let lifetime: Duration
    private let capacity: Int

    init(lifetime: Duration = .seconds(5), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached answer for `key`, or `load`'s, kept.
    func value(for key: String, load: () async throws -> Value?) async throws -> Value? {
        let now = ContinuousClock.now
        if let slot = slots.withLock({ $0[key] }), now - slot.fetchedAt < lifetime {
            return slot.value
        }
        let value = try await load()
        slots.withLock { s in
            if s.count >= capacity { s.removeAll(keepingCapacity: true) }
            s[key] = Slot(value: value, fetchedAt: now)
        }
        return value
    }

    func remove(_ key: String) {
        _ = slots.withLock { $0.removeValue(forKey: key) }
    }

    func removeAll() {
        slots.withLock { $0.removeAll(keepingCapacity: true) }
    }
}
