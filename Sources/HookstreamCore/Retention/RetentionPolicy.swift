/// What retention decides, with no I/O: which events are due for the archive at a given time,
/// and how large one batch may be.
///
/// The cutoff is rounded down to midnight UTC: a day is archived once all of it is past the
/// retention, so a day's file is written in one pass instead of a sliver every hour (an event
/// stays at most one day longer than `--retention-days`).
public struct RetentionPolicy: Sendable, Equatable {
    /// `--retention-days`; fractional days are allowed (tests use them).
    public var retentionDays: Double
    /// Events per batch: one batch is one archive append and one short write transaction, so
    /// ingest (which shares the single SQLite writer) waits at most one batch.
    public var batchSize: Int
    /// A batch also stops growing once its bodies add up to this many bytes (at least one event
    /// per batch), which bounds the memory a batch takes whatever the body sizes.
    public var maximumBatchBytes: Int
    /// A run stops after this many batches and leaves the rest to the next run, so one run is
    /// bounded even if something keeps making the same events look due.
    public var maximumBatchesPerRun: Int

    public init(retentionDays: Double, batchSize: Int = 500, maximumBatchBytes: Int = 32 * 1024 * 1024, maximumBatchesPerRun: Int = 20_000) {
        self.retentionDays = retentionDays
        self.batchSize = max(1, batchSize)
        self.maximumBatchBytes = max(1, maximumBatchBytes)
        self.maximumBatchesPerRun = max(1, maximumBatchesPerRun)
    }

    public var retentionMillis: Int64 { Int64((retentionDays * Double(ArchiveDay.millisPerDay)).rounded(.down)) }

    /// Events received before this instant are due: midnight UTC of the day that contains
    /// `now - retention`.
    public func cutoff(now: Int64) -> Int64 {
        ArchiveDay(containing: now - retentionMillis).startMillis
    }

    /// A restored event is kept for a full retention from its restore: it is due again only if
    /// it was restored before this instant.
    public func restoredBefore(now: Int64) -> Int64 {
        now - retentionMillis
    }

    /// The window of the next batch: the candidate's organization and day, up to the cutoff.
    public func window(for candidate: ArchiveCandidate, cutoff: Int64) -> ArchiveWindow {
        let day = ArchiveDay(containing: candidate.receivedAt)
        return ArchiveWindow(
            organizationID: candidate.organizationID, day: day, from: day.startMillis, until: min(day.endMillis, cutoff), limit: batchSize)
    }

    /// How many of a fetched batch to take, given each event's body size in order: the longest
    /// prefix within ``maximumBatchBytes``, and never fewer than one event (a single body over
    /// the budget still has to be archived some day).
    public func batchLength(bodySizes: [Int]) -> Int {
        var total = 0
        for (index, size) in bodySizes.enumerated() {
            total += max(0, size)
            if total > maximumBatchBytes { return max(1, index) }
        }
        return bodySizes.count
    }
}

/// The oldest event that may be archived: where the next batch starts.
public struct ArchiveCandidate: Sendable, Equatable {
    public var organizationID: String
    public var receivedAt: Int64

    public init(organizationID: String, receivedAt: Int64) {
        self.organizationID = organizationID
        self.receivedAt = receivedAt
    }
}

/// One batch to archive: up to `limit` archivable events of one organization received in
/// `[from, until)`, all on `day`, oldest first.
public struct ArchiveWindow: Sendable, Equatable {
    public var organizationID: String
    public var day: ArchiveDay
    public var from: Int64
    public var until: Int64
    public var limit: Int

    public init(organizationID: String, day: ArchiveDay, from: Int64, until: Int64, limit: Int) {
        self.organizationID = organizationID
        self.day = day
        self.from = from
        self.until = until
        self.limit = limit
    }
}
