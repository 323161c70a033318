public import HookstreamCore
import Logging
public import ServiceLifecycle
import Synchronization

/// Group commit: concurrent callers hand their items here and wait; one flush loop writes
/// everything queued so far in a single transaction, then answers all of them. Ingest uses it
/// for events (`IngestWriter`), the delivery engine for attempt results.
///
/// While one transaction is being committed the next batch accumulates, so the batch size
/// follows the load by itself: one event per commit when idle (lowest latency), hundreds per
/// commit under load (one fsync shared by all). A caller is resumed only after its batch has
/// committed, which is what lets the ingest route promise durability with its 2xx.
///
/// `commit` must answer a batch with one outcome per item, in order.
///
/// The queue is bounded: past `maximumPending` waiting events new submissions fail at once
/// (the route answers 503) instead of growing memory without limit.
public final class GroupCommitWriter<Item: Sendable, Outcome: Sendable>: Service, Sendable {
    public typealias Commit = @Sendable ([Item]) async throws -> [Outcome]
    /// The store answered a batch with a different number of outcomes than events: answer
    /// every waiter with an error rather than leave one waiting forever.
    struct StoreInvariantViolation: Error {}

    private enum Decision { case startFlush, queued, overloaded, closed }

    private struct State {
        var pending: [(Item, CheckedContinuation<Outcome, any Error>)] = []
        var flushing = false
        var closed = false
    }

    private let commit: Commit
    private let name: String
    private let state = Mutex(State())
    private let maximumBatch: Int
    private let maximumPending: Int
    private let logger: Logger
    private let idle = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init(name: String, maximumBatch: Int = 512, maximumPending: Int = 20_000, logger: Logger, commit: @escaping Commit) {
        self.name = name
        self.commit = commit
        self.maximumBatch = maximumBatch
        self.maximumPending = maximumPending
        self.logger = logger
    }

    /// Returns once `item` is durably committed, with its outcome.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
            let decision = state.withLock { s -> Decision in
                if s.closed { return .closed }
                if s.pending.count >= maximumPending { return .overloaded }
                s.pending.append((item, continuation))
                if s.flushing { return .queued }
                s.flushing = true
                return .startFlush
            }
            switch decision {
            case .startFlush: Task { await self.flushLoop() }
            case .queued: break
            case .overloaded: continuation.resume(throwing: GroupCommitError.overloaded)
            case .closed: continuation.resume(throwing: GroupCommitError.shutDown)
            }
        }
    }

    private func flushLoop() async {
        while true {
            let batch = state.withLock { s -> [(Item, CheckedContinuation<Outcome, any Error>)]? in
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
                let outcomes = try await commit(batch.map(\.0))
                guard outcomes.count == batch.count else { throw StoreInvariantViolation() }
                for ((_, continuation), outcome) in zip(batch, outcomes) { continuation.resume(returning: outcome) }
            } catch {
                logger.error("\(name) commit failed", metadata: ["error": "\(error)", "items": "\(batch.count)"])
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        for waiter in idle.withLock({ w in defer { w = [] }; return w }) { waiter.resume() }
    }

    /// Runs until graceful shutdown, then refuses new items and waits for the queue to drain.
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
        logger.info("\(name) writer drained")
    }
}

public enum GroupCommitError: Error, Sendable {
    /// The queue is full; the caller should shed load (ingest answers 503).
    case overloaded
    /// The writer is shutting down and takes nothing new.
    case shutDown
}

/// Ingest's group commit: events and their routes into `Store.insertEvents`.
public typealias IngestWriter = GroupCommitWriter<IncomingEvent, IngestOutcome>

extension GroupCommitWriter where Item == IncomingEvent, Outcome == IngestOutcome {
    public convenience init(store: any Store, logger: Logger) {
        self.init(name: "ingest", logger: logger) { try await store.insertEvents($0) }
    }
}
