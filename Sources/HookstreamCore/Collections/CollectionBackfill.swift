/// A backfill: a collection re-built from its source's events stored before it began, oldest
/// first, in batches (`POST /v1/collections/:id/backfill`).
///
/// Durable: the state lives in the database, and each batch's upserts commit in the same
/// transaction as the new ``cursor`` and ``progress``, so a backfill resumed after a crash
/// continues exactly after the last event it applied — none twice, none missed. Events that
/// arrive while it runs are synced live; the last-write-wins rule orders both, so the result
/// equals replaying every event in order.
public struct CollectionBackfill: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case running, completed, failed
    }

    public var id: String
    public var collectionID: String
    public var tenant: Tenant
    public var status: Status
    /// Events applied so far.
    public var progress: Int64
    /// The events it covers: the source's stored events when it began (repeats that dedup
    /// caught excluded).
    public var total: Int64
    /// The last event applied; `nil` before the first batch.
    public var cursor: String?
    /// The newest event it covers (the source's newest when it began); `nil` when there were
    /// none. Later events are synced live.
    public var throughEventID: String?
    public var error: String?
    public var startedAt: Int64
    public var completedAt: Int64?

    public init(
        id: String, collectionID: String, tenant: Tenant, status: Status = .running, progress: Int64 = 0, total: Int64, cursor: String? = nil,
        throughEventID: String?, error: String? = nil, startedAt: Int64, completedAt: Int64? = nil
    ) {
        self.id = id
        self.collectionID = collectionID
        self.tenant = tenant
        self.status = status
        self.progress = progress
        self.total = total
        self.cursor = cursor
        self.throughEventID = throughEventID
        self.error = error
        self.startedAt = startedAt
        self.completedAt = completedAt
    }

    /// The state after a batch of `applied` events ending at `lastEventID`: an empty batch
    /// means nothing is left (events archived since the start are simply not there, so
    /// progress may end below the total). Only a running backfill advances.
    public func advanced(applied: Int, lastEventID: String?, at now: Int64) -> CollectionBackfill {
        guard status == .running else { return self }
        var next = self
        if applied == 0 {
            next.status = .completed
            next.completedAt = now
        } else {
            next.progress += Int64(applied)
            next.cursor = lastEventID ?? cursor
        }
        return next
    }

    /// The state once it cannot go on (its collection was deleted, its batches keep failing).
    public func failed(_ reason: String, at now: Int64) -> CollectionBackfill {
        guard status == .running else { return self }
        var next = self
        next.status = .failed
        next.error = reason
        next.completedAt = now
        return next
    }
}
