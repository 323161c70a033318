public import HookstreamCore

/// Instant Database collections and their records.
///
/// Records are written by the upsert engine inside ``CoreStore/insertEvents(_:)``, in the
/// transaction that stores the event: a record never misses an acknowledged event. A store
/// must therefore know, inside that transaction and without a query per event, which sources
/// feed collections (the SQL store reads a count kept on the source's row, under that row's
/// lock, so it holds with several writers too).
public protocol CollectionStore: Sendable {
    /// - Throws: ``StoreError/conflict(_:)`` when the slug is taken in the environment.
    func createCollection(_ collection: RecordCollection) async throws
    func collection(id: String, tenant: Tenant) async throws -> RecordCollection?
    /// Newest first; only collections fed by `sourceID` when it is given.
    func collections(tenant: Tenant, sourceID: String?, beforeID: String?, limit: Int) async throws -> Page<RecordCollection>
    /// Stores `name`, `slug`, `description` and `updated_at` (the rest is fixed at creation).
    /// - Throws: ``StoreError/notFound`` or ``StoreError/conflict(_:)`` (slug taken).
    func updateCollection(_ collection: RecordCollection) async throws
    /// Deletes the collection: it, its records and its changelog disappear from every read at
    /// once and events stop syncing; the rows themselves are removed afterwards in bounded
    /// batches by ``purgeDeletedCollections(limit:)``, so deleting a million records never
    /// holds the writer (and ingest) for one long transaction.
    func deleteCollection(id: String, tenant: Tenant, at: Int64) async throws
    /// Removes up to `limit` record and changelog rows of deleted collections in one
    /// transaction; returns how many it removed (0 once nothing is left).
    func purgeDeletedCollections(limit: Int) async throws -> Int

    /// A page of the collection's records, newest record first (records keep the ID they got
    /// when their key was first seen, so pages stay stable while records are updated).
    /// With `search`, only records whose data contains every whitespace-separated term of it
    /// (full text, case-insensitive; the dialect's own index, see `SQLiteRecordSearch`).
    func collectionRecords(collectionID: String, tenant: Tenant, search: String?, beforeID: String?, limit: Int) async throws -> Page<CollectionRecord>
    func collectionRecord(collectionID: String, tenant: Tenant, key: String) async throws -> CollectionRecord?
    /// Brings the search index up to date for up to `limit` of the records changed since they
    /// were last indexed, in one short transaction; returns how many it indexed (fewer than
    /// `limit`: the index is current). A store whose index changes with the records returns 0.
    /// Searches call it themselves; `RecordSearchIndexer` calls it in the background so they
    /// seldom have much to do.
    func indexPendingRecordSearch(limit: Int) async throws -> Int
    /// A record's history, newest entry first.
    func collectionChangelog(collectionID: String, tenant: Tenant, key: String, beforeID: String?, limit: Int) async throws -> Page<ChangelogEntry>

    /// Every record of the collection as it is now, for an export: the reader sees one
    /// consistent state of the database however long the export takes and however many times
    /// it reads the records (CSV reads them twice, for its header), so each record appears
    /// exactly once, as it was when the export began. `nil` when the collection is not live in
    /// `tenant`. The state is released with the reader.
    func openCollectionExport(collectionID: String, tenant: Tenant) async throws -> (any CollectionExportReader)?

    // MARK: Backfill (see `CollectionBackfill`)

    /// Starts a backfill over the source's events stored so far, counting them as its total.
    /// - Throws: ``StoreError/notFound`` (no such live collection in `tenant`) or
    ///   ``StoreError/conflict(_:)`` when one is already running for the collection.
    func startCollectionBackfill(collectionID: String, tenant: Tenant, at: Int64) async throws -> CollectionBackfill
    /// The collection's most recent backfill.
    func latestCollectionBackfill(collectionID: String, tenant: Tenant) async throws -> CollectionBackfill?
    /// Every running backfill, oldest first: what a restart resumes.
    func runningCollectionBackfills() async throws -> [CollectionBackfill]
    /// Up to `limit` of the backfill's next events, after its cursor, oldest first. Bodies
    /// stored in the blob store come with only their key; the caller reads them.
    func collectionBackfillEvents(_ backfill: CollectionBackfill, limit: Int) async throws -> [BackfillEvent]
    /// Upserts `events` (the batch read at `backfill`'s cursor, bodies resolved) and advances
    /// the backfill, in one transaction; an empty batch completes it. Returns the new state.
    /// Nothing is applied when the stored backfill is no longer at that cursor (someone else
    /// advanced it) or no longer running; a deleted collection fails it.
    func applyCollectionBackfill(_ backfill: CollectionBackfill, events: [BackfillEvent], at: Int64) async throws -> CollectionBackfill
    /// Stops a running backfill as failed, with the reason.
    func failCollectionBackfill(_ backfill: CollectionBackfill, reason: String, at: Int64) async throws
}

/// One stored event a backfill replays.
public struct BackfillEvent: Sendable, Equatable {
    public var id: String
    public var receivedAt: Int64
    /// The body: inline bytes, or a blob key until the caller reads it into ``bytes``.
    public var body: EventBody
    /// The body read from the blob store; `nil` when it is inline or could not be read.
    public var bytes: [UInt8]?

    public init(id: String, receivedAt: Int64, body: EventBody, bytes: [UInt8]? = nil) {
        self.id = id
        self.receivedAt = receivedAt
        self.body = body
        self.bytes = bytes
    }

    /// The bytes to upsert: inline ones, or those read from the blob store.
    var resolvedBody: [UInt8]? {
        if case .inline(let inline) = body { return inline }
        return bytes
    }
}

/// A consistent read of one collection's records, in bounded pages (see
/// ``CollectionStore/openCollectionExport(collectionID:tenant:)``).
public protocol CollectionExportReader: Sendable {
    /// Up to `limit` records created after the record `afterID` (all from the first when
    /// `nil`), oldest first; fewer than `limit` only at the end.
    func records(afterID: String?, limit: Int) async throws -> [CollectionRecord]
}
