public import HookstreamCore
import Logging
public import ServiceLifecycle
import Synchronization

/// Group commit for ingest: concurrent requests hand their events here and wait; one flush
/// loop writes everything queued so far in a single transaction, then answers all of them.
///
/// While one transaction is being committed the next batch accumulates, so the batch size
/// follows the load by itself: one event per commit when idle (lowest latency), hundreds per
/// commit under load (one fsync shared by all). A caller is resumed only after its batch has
/// committed, which is what lets the ingest route promise durability with its 2xx.
///
/// The queue is bounded: past `maximumPending` waiting events new submissions fail at once
/// (the route answers 503) instead of growing memory without limit.
public final class IngestWriter: Service, Sendable {
    public struct Overloaded: Error {}
    public struct ShutDown: Error {}
    /// The store answered a batch with a different number of outcomes than events: answer
    /// every waiter with an error rather than leave one waiting forever.
    struct StoreInvariantViolation: Error {}

    private struct State {
        var pending: [(IncomingEvent, CheckedContinuation<IngestOutcome, any Error>)] = []
        var flushing = false
        var closed = false
    }

    private let store: any Store
    private let state = Mutex(State())
    private let maximumBatch: Int
    private let maximumPending: Int
    private let logger: Logger
    private let idle = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init(store: any Store, maximumBatch: Int = 512, maximumPending: Int = 20_000, logger: Logger) {
        self.store = store
        self.maximumBatch = maximumBatch
        self.maximumPending = maximumPending
        self.logger = logger
    }

    /// Returns once `event` is durably committed, with the event the request is answered with.
    public func submit(_ event: IncomingEvent) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<IngestOutcome, any Error>) in
            enum Decision { case startFlush, queued, overloaded, closed }
            let decision = state.withLock { s -> Decision in
                if s.closed { return .closed }
                if s.pending.count >= maximumPending { return .overloaded }
                s.pending.append((event, continuation))
                if s.flushing { return .queued }
                s.flushing = true
                return .startFlush
            }
            switch decision {
            case .startFlush: Task { await self.flushLoop() }
            case .queued: break
            case .overloaded: continuation.resume(throwing: Overloaded())
            case .closed: continuation.resume(throwing: ShutDown())
            }
        }
    }

    private func flushLoop() async {
        while true {
            let batch = state.withLock { s -> [(IncomingEvent, CheckedContinuation<IngestOutcome, any Error>)]? in
                if s.pending.isEmpty {
                    s.flushing = false
                    return nil
                }
                let batch = Array(s.pending.prefix(maximumBatch))
                s.pending.removeFirst(batch.count)
                return batch
            }
            guard let batch else { break }
            do {
                let outcomes = try await store.insertEvents(batch.map(\.0))
                guard outcomes.count == batch.count else { throw StoreInvariantViolation() }
                for ((_, continuation), outcome) in zip(batch, outcomes) { continuation.resume(returning: outcome) }
            } catch {
                logger.error("ingest commit failed", metadata: ["error": "\(error)", "events": "\(batch.count)"])
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        for waiter in idle.withLock({ w in defer { w = [] }; return w }) { waiter.resume() }
    }

    /// Runs until graceful shutdown, then refuses new events and waits for the queue to drain.
    public func run() async throws {
        try? await gracefulShutdown()
        let busy = state.withLock { s -> Bool in
            s.closed = true
            return s.flushing
        }
        if busy {
            await withCheckedContinuation { continuation in
                let stillBusy = state.withLock { $0.flushing }
                if stillBusy { idle.withLock { $0.append(continuation) } } else { continuation.resume() }
            }
        }
        logger.info("ingest writer drained")
    }
}
