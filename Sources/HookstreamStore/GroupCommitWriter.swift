import HookstreamCore
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
///
/// The decisions (start a flush, queue, refuse, batch, answer, drain) are made by
/// ``GroupCommitStateMachine`` under one lock; this class only carries them out.
public final class GroupCommitWriter<Item: Sendable, Outcome: Sendable>: Service, Sendable {
    public typealias Commit = @Sendable ([Item]) async throws -> [Outcome]
    typealias Waiter = (item: Item, continuation: CheckedContinuation<Outcome, any Error>)
    typealias Machine = GroupCommitStateMachine<Waiter, Outcome, CheckedContinuation<Void, Never>>

    private let commit: Commit
    private let name: String
    private let machine: Mutex<Machine>
    private let logger: Logger

    public init(name: String, maximumBatch: Int = 512, maximumPending: Int = 20_000, logger: Logger, commit: @escaping Commit) {
        self.name = name
        self.commit = commit
        self.machine = Mutex(Machine(maximumBatch: maximumBatch, maximumPending: maximumPending))
        self.logger = logger
    }

    /// Returns once `item` is durably committed, with its outcome.
    /// - Throws: ``GroupCommitError`` when refused, or the commit's error (then nothing of the
    ///   batch was acknowledged).
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
            switch machine.withLock({ $0.submit((item, continuation)) }) {
            case .startFlush: Task { await self.flushLoop() }
            case .queued: break
            case .reject(let waiter, let error): waiter.continuation.resume(throwing: error)
            }
        }
    }

    /// Callers waiting for a later batch (not the one being committed).
    var queuedCount: Int { machine.withLock { $0.pending.count } }

    private func flushLoop() async {
        while true {
            switch machine.withLock({ $0.nextBatch() }) {
            case .idle(let drains):
                for drain in drains { drain.resume() }
                return
            case .commit(let batch):
                let result: Result<[Outcome], any Error>
                do {
                    result = .success(try await commit(batch.map { $0.item }))
                } catch {
                    result = .failure(error)
                }
                switch machine.withLock({ $0.committed(result) }) {
                case .succeed(let answers):
                    for (waiter, outcome) in answers { waiter.continuation.resume(returning: outcome) }
                case .fail(let waiters, let error):
                    logger.error("\(name) commit failed", metadata: ["error": "\(error)", "items": "\(waiters.count)"])
                    for waiter in waiters { waiter.continuation.resume(throwing: error) }
                }
            }
        }
    }

    /// Runs until graceful shutdown (or cancellation), then refuses new items and returns once
    /// every item queued before has been committed and answered.
    public func run() async throws {
        try? await gracefulShutdown()
        await withCheckedContinuation { (drain: CheckedContinuation<Void, Never>) in
            switch machine.withLock({ $0.shutdown(drain) }) {
            case .finished: drain.resume()
            case .wait: break
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
    /// - Parameter committed: told each batch's outcomes once the batch is durable, before any
    ///   of its callers is answered, one batch at a time in commit order (live collection sync
    ///   announces records from here). It runs on the flush loop, so it must not wait.
    public convenience init(store: any Store, logger: Logger, committed: @escaping @Sendable ([IngestOutcome]) -> Void = { _ in }) {
        self.init(name: "ingest", logger: logger) { events in
            let outcomes = try await store.insertEvents(events)
            committed(outcomes)
            return outcomes
        }
    }
}
