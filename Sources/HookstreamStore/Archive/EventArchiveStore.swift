public import HookstreamCore
public import JSONValue

/// What retention needs from the database: finding archivable events, deleting a batch once its
/// archive append is durable, the journal that makes a batch resumable after a crash, the index
/// of archived days, and re-importing a day.
///
/// An event is *archivable* when it was received before the cutoff, its status is not live
/// (``EventArchiveRules/liveEventStatuses``), none of its delivery attempts is `pending` (a
/// queued, held or scheduled delivery, a retry due in the future included), and it was not
/// restored from the archive within the last retention period. Nothing else is ever archived.
public protocol EventArchiveStore: Sendable {
    /// The oldest archivable event received before `cutoff`.
    func oldestArchivableEvent(before cutoff: Int64, restoredBefore: Int64) async throws -> ArchiveCandidate?
    /// Up to `window.limit` archivable events of the window, oldest first, with their attempts.
    /// Blob bodies come back as their key (``ArchiveRecord/blobKey``), not read.
    func archivableEvents(in window: ArchiveWindow, restoredBefore: Int64) async throws -> [ArchiveRecord]

    /// Journals a batch before its archive append: `fileOffset` is the size of the day's file
    /// before the append, where recovery cuts it back to if the batch never commits.
    func beginArchiveBatch(organizationID: String, day: ArchiveDay, fileOffset: Int64, at now: Int64) async throws -> Int64
    /// Deletes the batch's events and attempts in one transaction, counts them in the day index
    /// and marks the journal entry deleted (with the blob keys still to remove). Deletes
    /// nothing and throws ``ArchiveConflict`` when any event is no longer archivable or has
    /// attempts the batch did not read.
    func commitArchiveBatch(journalID: Int64, records: [ArchiveRecord], restoredBefore: Int64, at now: Int64) async throws
    /// Drops a journal entry: its batch is either undone (append truncated) or finished
    /// (blob files removed).
    func finishArchiveBatch(journalID: Int64) async throws
    /// Journal entries a crash or a failure left behind, oldest first.
    func interruptedArchiveBatches() async throws -> [ArchiveJournalEntry]

    /// The archived days of a tenant, newest first.
    func archivedDays(tenant: Tenant) async throws -> [ArchivedDaySummary]
    func archivedDay(tenant: Tenant, day: ArchiveDay) async throws -> ArchivedDaySummary?
    /// Which of these events are in the database now (any tenant: IDs are global).
    func existingEventIDs(_ ids: [String]) async throws -> Set<String>
    /// Inserts archived events with their attempts as they were, skipping any already present,
    /// and records the restore. Returns how many were inserted.
    func restoreArchivedEvents(_ records: [ArchiveRecord], day: ArchiveDay, at now: Int64) async throws -> Int
}

/// Shared definitions of what may be archived.
public enum EventArchiveRules {
    /// Event statuses that mean a delivery is still to happen: `processing` (routed, not
    /// finished) and `held` (a paused source's event waiting for its resume).
    public static let liveEventStatuses: [Event.Status] = [.processing, .held]
}

/// One event as the archive keeps it: every column of its row, its body and its attempts.
///
/// Columns are carried generically (name → JSON scalar), not as a fixed field list, so a column
/// added by a later migration is archived and restored without this code knowing about it.
public struct ArchiveRecord: Sendable, Equatable {
    public var eventID: String
    public var tenant: Tenant
    public var receivedAt: Int64
    public var bodySize: Int
    /// The event row without `body` (a blob column is `{"base64": …}`). `body_blob` is kept: it
    /// says the body lives in the blob store, and under which key it is restored.
    public var columns: JSONObject
    /// The body bytes; `nil` for a NULL column, or for a blob body not read yet.
    public var body: [UInt8]?
    /// The blob store key when the body lives there.
    public var blobKey: String?
    /// Every delivery attempt row of the event, oldest first, generically like `columns`.
    public var attempts: [JSONObject]

    public init(
        eventID: String, tenant: Tenant, receivedAt: Int64, bodySize: Int, columns: JSONObject, body: [UInt8]?, blobKey: String?,
        attempts: [JSONObject]
    ) {
        self.eventID = eventID
        self.tenant = tenant
        self.receivedAt = receivedAt
        self.bodySize = bodySize
        self.columns = columns
        self.body = body
        self.blobKey = blobKey
        self.attempts = attempts
    }
}

/// A journalled batch (see ``EventArchiveStore/beginArchiveBatch(organizationID:day:fileOffset:at:)``).
public struct ArchiveJournalEntry: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The append may be partial or complete; the rows are still in the database.
        case appending
        /// The rows are deleted; only the blob files are left to remove.
        case deleted
    }

    public var id: Int64
    public var organizationID: String
    public var day: ArchiveDay
    public var fileOffset: Int64
    public var state: State
    public var blobKeys: [String]

    public init(id: Int64, organizationID: String, day: ArchiveDay, fileOffset: Int64, state: State, blobKeys: [String]) {
        self.id = id
        self.organizationID = organizationID
        self.day = day
        self.fileOffset = fileOffset
        self.state = state
        self.blobKeys = blobKeys
    }
}

/// One day in a tenant's archive.
public struct ArchivedDaySummary: Sendable, Equatable {
    public var day: ArchiveDay
    /// Distinct events of the tenant archived for that day.
    public var eventCount: Int
    public var firstArchivedAt: Int64
    public var lastArchivedAt: Int64
    public var lastRestoredAt: Int64?

    public init(day: ArchiveDay, eventCount: Int, firstArchivedAt: Int64, lastArchivedAt: Int64, lastRestoredAt: Int64?) {
        self.day = day
        self.eventCount = eventCount
        self.firstArchivedAt = firstArchivedAt
        self.lastArchivedAt = lastArchivedAt
        self.lastRestoredAt = lastRestoredAt
    }
}

/// A batch's events changed between the read and the delete; nothing was deleted.
public struct ArchiveConflict: Error, Sendable {
    public init() {}
}

extension ArchiveRecord {
    /// The record restored with its body in the event row rather than in a blob file.
    var inlined: ArchiveRecord {
        guard blobKey != nil, body != nil else { return self }
        var record = self
        record.blobKey = nil
        record.columns["body_blob"] = nil
        return record
    }
}
