/// One retention run as a value-type state machine: it is told what the store found and what a
/// batch did, and answers with the next thing to do. The archiver (the I/O shell) performs each
/// action and reports back; nothing here reads a clock, a file or the database.
///
/// A run: finish what a crash interrupted, then repeatedly find the oldest archivable event
/// before the cutoff and archive a batch of its organization and day, until nothing is due or
/// the run's batch budget is spent.
///
/// ```swift
/// var run = RetentionRun(policy: policy, now: clock.nowMillis)
/// var action = run.start()
/// while true {
///     switch action {
///     case .recoverInterruptedBatches: …; action = run.recovered()
///     case .findOldest(let cutoff, _): action = run.found(try await store.oldest…)
///     case .archive(let window): action = run.batchFinished(try await archive(window))
///     case .finished(let summary): return summary
///     }
/// }
/// ```
public struct RetentionRun: Sendable {
    public enum Action: Sendable, Equatable {
        /// Repair batches a crash left half done (truncate their archive appends, or remove the
        /// blob files of rows already deleted), before anything new is written.
        case recoverInterruptedBatches
        /// Look for the oldest archivable event received before `cutoff`; restored events count
        /// only if restored before `restoredBefore`.
        case findOldest(cutoff: Int64, restoredBefore: Int64)
        /// Archive one batch.
        case archive(ArchiveWindow)
        /// The run is over.
        case finished(Summary)
    }

    /// What a batch did.
    public enum BatchOutcome: Sendable, Equatable {
        /// `archived` events were written and deleted; `exhausted` when the window had no more
        /// (the fetch came back short and all of it was taken).
        case archived(count: Int, exhausted: Bool)
        /// An event changed between the read and the delete (a retry queued a delivery): the
        /// append was undone and nothing was deleted; the batch is planned again.
        case conflicted
    }

    public struct Summary: Sendable, Equatable {
        public var batches = 0
        public var archivedEvents = 0
        public var conflicts = 0
        /// The batch budget ran out with events possibly still due; the next run continues.
        public var stoppedEarly = false

        public init(batches: Int = 0, archivedEvents: Int = 0, conflicts: Int = 0, stoppedEarly: Bool = false) {
            self.batches = batches
            self.archivedEvents = archivedEvents
            self.conflicts = conflicts
            self.stoppedEarly = stoppedEarly
        }
    }

    private enum State: Sendable {
        case initial, recovering, searching, archiving(ArchiveWindow), finished
    }

    public let policy: RetentionPolicy
    public let cutoff: Int64
    public let restoredBefore: Int64
    private var state = State.initial
    public private(set) var summary = Summary()

    /// - Parameter now: the run's time (Unix milliseconds), fixed for the whole run so the
    ///   cutoff does not move under it.
    public init(policy: RetentionPolicy, now: Int64) {
        self.policy = policy
        cutoff = policy.cutoff(now: now)
        restoredBefore = policy.restoredBefore(now: now)
    }

    public mutating func start() -> Action {
        guard case .initial = state else { preconditionFailure("start() called twice") }
        state = .recovering
        return .recoverInterruptedBatches
    }

    public mutating func recovered() -> Action {
        guard case .recovering = state else { preconditionFailure("recovered() outside recovery") }
        return search()
    }

    public mutating func found(_ candidate: ArchiveCandidate?) -> Action {
        guard case .searching = state else { preconditionFailure("found() without a search") }
        guard let candidate else { return finish(stoppedEarly: false) }
        // The store promised an event before the cutoff; a later one would archive live data.
        precondition(candidate.receivedAt < cutoff, "candidate at \(candidate.receivedAt) is not before the cutoff \(cutoff)")
        let window = policy.window(for: candidate, cutoff: cutoff)
        state = .archiving(window)
        return .archive(window)
    }

    public mutating func batchFinished(_ outcome: BatchOutcome) -> Action {
        guard case .archiving(let window) = state else { preconditionFailure("batchFinished() without a batch") }
        summary.batches += 1
        switch outcome {
        case .archived(let count, let exhausted):
            summary.archivedEvents += count
            if summary.batches >= policy.maximumBatchesPerRun { return finish(stoppedEarly: true) }
            // More of the same organization and day: stay on it without another search.
            if !exhausted && count > 0 { return .archive(window) }
            return search()
        case .conflicted:
            summary.conflicts += 1
            if summary.batches >= policy.maximumBatchesPerRun { return finish(stoppedEarly: true) }
            return search()
        }
    }

    private mutating func search() -> Action {
        state = .searching
        return .findOldest(cutoff: cutoff, restoredBefore: restoredBefore)
    }

    private mutating func finish(stoppedEarly: Bool) -> Action {
        state = .finished
        summary.stoppedEarly = stoppedEarly
        return .finished(summary)
    }
}
