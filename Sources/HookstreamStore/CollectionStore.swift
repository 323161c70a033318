public import HookstreamCore

/// Instant Database collections and their records.
///
/// Records are written by the upsert engine inside ``CoreStore/insertEvents(_:)``, in the
/// transaction that stores the event: a record never misses an acknowledged event. A store
/// must therefore know, inside that transaction and without a query per event, which sources
/// feed collections (the SQLite store keeps that index in memory, changed only by its own
/// serialized writer; a backend with several writers must read it under the source's lock).
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
    /// A record's history, newest entry first.
    func collectionChangelog(collectionID: String, tenant: Tenant, key: String, beforeID: String?, limit: Int) async throws -> Page<ChangelogEntry>

    /// Every record of the collection as it is now, for an export: the reader sees one
    /// consistent state of the database however long the export takes and however many times
    /// it reads the records (CSV reads them twice, for its header), so each record appears
    /// exactly once, as it was when the export began. `nil` when the collection is not live in
    /// `tenant`. The state is released with the reader.
    func openCollectionExport(collectionID: String, tenant: Tenant) async throws -> (any CollectionExportReader)?
}

/// A consistent read of one collection's records, in bounded pages (see
/// ``CollectionStore/openCollectionExport(collectionID:tenant:)``).
public protocol CollectionExportReader: Sendable {
    /// Up to `limit` records created after the record `afterID` (all from the first when
    /// `nil`), oldest first; fewer than `limit` only at the end.
    func records(afterID: String?, limit: Int) async throws -> [CollectionRecord]
}
