/// The decisions of the group-commit writer, without I/O: which submission starts a flush,
/// which is queued or refused, what the next batch is, who is answered with what, and when a
/// shutdown has drained. ``GroupCommitWriter`` holds one of these under a single lock and
/// carries out the actions it returns (start the flush task, run the commit, resume callers).
///
/// Because every transition, the shutdown's included, happens under that one lock, there is
/// no window between "is a flush running?" and "wait for it to end": either the shutdown sees
/// the flush running and is resumed when it goes idle, or it sees it idle and returns at once.
///
/// `Waiter` is what the writer keeps per caller (its item and continuation), `Drain` what a
/// shutdown keeps while it waits. Tests use plain values for both.
struct GroupCommitStateMachine<Waiter, Outcome, Drain> {
    enum SubmitAction {
        /// The caller was queued and no flush runs: start one.
        case startFlush
        /// A flush is running and will take the caller in a later batch.
        case queued
        /// Refuse the caller at once.
        case reject(Waiter, GroupCommitError)
    }

    enum FlushAction {
        /// Commit these callers' items in one transaction, then report with ``committed(_:)``.
        case commit([Waiter])
        /// Nothing is left: the flush ends. Resume these shutdowns (empty unless one waits).
        case idle(finishDrain: [Drain])
    }

    enum CommitAction {
        /// Answer each caller with its outcome.
        case succeed([(Waiter, Outcome)])
        /// Answer every caller of the batch with the error; none is acknowledged.
        case fail([Waiter], any Error)
    }

    enum ShutdownAction {
        /// Nothing is queued or being committed: the shutdown is complete.
        case finished
        /// A flush is running; the shutdown is resumed by the ``FlushAction/idle(finishDrain:)``
        /// that ends it.
        case wait
    }

    /// The store answered a batch with a different number of outcomes than items: every
    /// caller of the batch gets an error rather than one waiting forever.
    struct StoreInvariantViolation: Error, Equatable {
        var items: Int
        var outcomes: Int
    }

    let maximumBatch: Int
    let maximumPending: Int
    private(set) var pending: [Waiter] = []
    private var inFlight: [Waiter] = []
    private(set) var flushing = false
    private(set) var closed = false
    private var drains: [Drain] = []

    init(maximumBatch: Int, maximumPending: Int) {
        precondition(maximumBatch > 0 && maximumPending > 0)
        self.maximumBatch = maximumBatch
        self.maximumPending = maximumPending
    }

    /// A caller hands in its item.
    mutating func submit(_ waiter: Waiter) -> SubmitAction {
        if closed { return .reject(waiter, .shutDown) }
        if pending.count >= maximumPending { return .reject(waiter, .overloaded) }
        pending.append(waiter)
        if flushing { return .queued }
        flushing = true
        return .startFlush
    }

    /// The flush is ready for its next batch (after starting, or after a commit was answered).
    mutating func nextBatch() -> FlushAction {
        precondition(flushing && inFlight.isEmpty, "nextBatch outside a flush, or before the last batch was answered")
        if pending.isEmpty {
            flushing = false
            let finishing = drains
            drains = []
            return .idle(finishDrain: finishing)
        }
        let count = min(maximumBatch, pending.count)
        inFlight = Array(pending.prefix(count))
        pending.removeFirst(count)
        return .commit(inFlight)
    }

    /// The commit of the in-flight batch ended with `result`.
    mutating func committed(_ result: Result<[Outcome], any Error>) -> CommitAction {
        let batch = inFlight
        inFlight = []
        switch result {
        case .success(let outcomes) where outcomes.count == batch.count:
            return .succeed(Array(zip(batch, outcomes)))
        case .success(let outcomes):
            return .fail(batch, StoreInvariantViolation(items: batch.count, outcomes: outcomes.count))
        case .failure(let error):
            return .fail(batch, error)
        }
    }

    /// Graceful shutdown: refuse new callers, and finish once everything queued so far has been
    /// committed and answered.
    mutating func shutdown(_ drain: Drain) -> ShutdownAction {
        closed = true
        guard flushing else { return .finished }
        drains.append(drain)
        return .wait
    }
}
