import Foundation
public import HookstreamCore

extension SQLStore {
    public func createCollection(_ c: RecordCollection) async throws {
        try await writeChangingCollections(slug: c.slug) { db in
            try db.execute(
                """
                    INSERT INTO collections (id, org_id, env_id, name, slug, description, source_id, primary_key_path, timestamp_path,
                        created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    c.id, c.tenant.organizationID, c.tenant.environmentID, c.name, c.slug, c.description, c.sourceID, c.primaryKeyPath,
                    c.timestampPath, c.createdAt, c.updatedAt,
                ])
            // In the same transaction: the source's next insert batch, on any node, syncs it.
            try Self.countCollection(db, sourceID: c.sourceID, by: 1)
        }
    }

    public func collection(id: String, tenant: Tenant) async throws -> RecordCollection? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM collections WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.collection)
        }
    }

    public func collections(tenant: Tenant, sourceID: String?, beforeID: String?, limit: Int) async throws -> Page<RecordCollection> {
        try await database.read { db in
            try Self.livePage(
                db, table: "collections", tenant: tenant, equal: [("source_id", sourceID)], beforeID: beforeID, limit: limit,
                row: Self.collection)
        }
    }

    public func updateCollection(_ c: RecordCollection) async throws {
        try await writeChangingCollections(slug: c.slug) { db in
            let changed = try db.execute(
                """
                    UPDATE collections SET name = ?, slug = ?, description = ?, updated_at = ?
                    WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                    """,
                [c.name, c.slug, c.description, c.updatedAt, c.id, c.tenant.organizationID, c.tenant.environmentID])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func deleteCollection(id: String, tenant: Tenant, at: Int64) async throws {
        try await writeChangingCollections(slug: nil) { db in
            guard
                let sourceID: String = try db.fetchValue(
                    "UPDATE collections SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL RETURNING source_id",
                    [at, id, tenant.organizationID, tenant.environmentID])
            else { throw StoreError.notFound }
            // Every read joins the live collection, so its rows are gone from the API now;
            // `purgeDeletedCollections` removes them in batches.
            try Self.countCollection(db, sourceID: sourceID, by: -1)
        }
    }

    public func purgeDeletedCollections(limit: Int) async throws -> Int {
        try await database.write { db in
            var removed = 0
            for table in ["collection_records", "collection_changelog"] where removed < limit {
                removed += try db.execute(
                    """
                        DELETE FROM \(table) WHERE id IN (
                            SELECT r.id FROM \(table) r JOIN collections c ON c.id = r.collection_id WHERE c.deleted_at IS NOT NULL LIMIT ?)
                        """,
                    [limit - removed])
            }
            return removed
        }
    }

    public func collectionRecords(collectionID: String, tenant: Tenant, search: String?, beforeID: String?, limit: Int) async throws -> Page<CollectionRecord> {
        if search != nil {
            // The index may follow the records in the background (SQLite's does); a search
            // first indexes what is still pending, in batches so ingest keeps its turns at
            // the writer.
            while try await indexPendingRecordSearch(limit: 1000) == 1000 {}
        }
        return try await database.read { db in
            try Self.collectionPage(
                db, table: "collection_records", collectionID: collectionID, tenant: tenant, key: nil, match: search.flatMap(db.dialect.recordMatch),
                beforeID: beforeID, limit: limit, row: Self.record)
        }
    }

    /// Only SQLite's FTS5 index trails the records (`SQLiteRecordSearch`); PostgreSQL's
    /// expression index follows every write, so there is never anything to do there.
    public func indexPendingRecordSearch(limit: Int) async throws -> Int {
        guard case .grdb = database.backing else { return 0 }
        return try await database.write { db in try SQLiteRecordSearch.indexPending(db.grdb, limit: limit) }
    }

    public func collectionRecord(collectionID: String, tenant: Tenant, key: String) async throws -> CollectionRecord? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT r.* FROM collection_records r JOIN collections c ON c.id = r.collection_id WHERE " + Self.ownedCollection + " AND r.record_key = ?",
                [collectionID, tenant.organizationID, tenant.environmentID, key]
            ).map(Self.record)
        }
    }

    public func collectionChangelog(collectionID: String, tenant: Tenant, key: String, beforeID: String?, limit: Int) async throws -> Page<ChangelogEntry> {
        try await database.read { db in
            try Self.collectionPage(
                db, table: "collection_changelog", collectionID: collectionID, tenant: tenant, key: key, match: nil, beforeID: beforeID, limit: limit,
                row: Self.changelogEntry)
        }
    }

    /// A newest-first page of a collection's rows in `table` (of one record key when given),
    /// empty unless the collection is live in `tenant`; only full-text matches when `match`
    /// (records only) when given.
    private static func collectionPage<T>(
        _ db: SQLConnection, table: String, collectionID: String, tenant: Tenant, key: String?, match: (condition: String, argument: String)?,
        beforeID: String?, limit: Int,
        row: (SQLRow) -> T
    ) throws -> Page<T> where T: Identified {
        var sql = "SELECT r.* FROM \(table) r JOIN collections c ON c.id = r.collection_id WHERE " + ownedCollection
        var arguments: SQLArguments = [collectionID, tenant.organizationID, tenant.environmentID]
        for (condition, value) in [("r.record_key = ?", key), (match?.condition ?? "", match?.argument), ("r.id < ?", beforeID)] {
            if let value {
                sql += " AND " + condition
                arguments += [value]
            }
        }
        sql += " ORDER BY r.id DESC LIMIT ?"
        arguments += [limit + 1]
        return page(try db.fetchAll(sql, arguments, row), limit: limit, id: \.id)
    }

    /// Rows `r` of the live collection `c` with the given ID in the given tenant.
    private static let ownedCollection = "r.collection_id = ? AND c.org_id = ? AND c.env_id = ? AND c.deleted_at IS NULL"

    /// A write that creates, renames or deletes a collection.
    /// - Parameter slug: the slug written, named in the conflict a unique violation becomes.
    private func writeChangingCollections(slug: String?, _ body: @escaping @Sendable (SQLConnection) throws -> Void) async throws {
        do {
            try await database.write(body)
        } catch {
            if let slug, Self.isUniqueViolation(error) { throw StoreError.conflict("A collection with the slug '\(slug)' already exists") }
            throw error
        }
    }

    /// Keeps `sources.collection_count`, which tells an insert batch whether the source feeds
    /// any collection (see `CollectionSyncBatch`), in step with the live collections. Updating
    /// the source row also makes a concurrent insert batch of that source, on any node, wait
    /// for this transaction: it then reads the new count.
    private static func countCollection(_ db: SQLConnection, sourceID: String, by change: Int) throws {
        try db.execute("UPDATE sources SET collection_count = collection_count + ? WHERE id = ?", [change, sourceID])
    }

    static func collection(_ row: SQLRow) -> RecordCollection {
        RecordCollection(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"], slug: row["slug"],
            description: row["description"], sourceID: row["source_id"], primaryKeyPath: row["primary_key_path"],
            timestampPath: row["timestamp_path"],
            stats: RecordCollection.Stats(
                recordCount: row["record_count"], changelogEntries: row["changelog_entries"], skippedOlder: row["skipped_older"],
                skippedNoKey: row["skipped_no_key"], lastSyncAt: row["last_sync_at"]),
            createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func record(_ row: SQLRow) -> CollectionRecord {
        CollectionRecord(
            id: row["id"], collectionID: row["collection_id"], key: row["record_key"], data: row["data"], eventID: row["event_id"],
            sourceEventAt: row["source_event_at"], syncedAt: row["synced_at"], createdAt: row["created_at"])
    }

    static func changelogEntry(_ row: SQLRow) -> ChangelogEntry {
        ChangelogEntry(
            id: row["id"], collectionID: row["collection_id"], key: row["record_key"], eventID: row["event_id"],
            action: ChangelogEntry.Action(rawValue: row["action"]) ?? .updated, sourceEventAt: row["source_event_at"],
            createdAt: row["created_at"])
    }
}

extension RecordCollection: Identified {}
extension CollectionRecord: Identified {}
extension ChangelogEntry: Identified {}
