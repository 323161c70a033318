public import HookstreamCore

extension SQLStore {
    /// The consistent state is a snapshot: a read transaction on a connection of the export's
    /// own, held until the reader goes away. On SQLite, WAL checkpoints cannot move past it
    /// while it is held, so the WAL grows by whatever is written during the export and is
    /// truncated by the next checkpoint after it; on PostgreSQL, vacuum keeps the row versions
    /// it can see.
    public func openCollectionExport(collectionID: String, tenant: Tenant) async throws -> (any CollectionExportReader)? {
        let snapshot = try await database.snapshot()
        let live = try await snapshot.read { db in
            try db.fetchValue(
                "SELECT 1 FROM collections WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [collectionID, tenant.organizationID, tenant.environmentID]) ?? false
        }
        return live ? SQLCollectionExportReader(snapshot: snapshot, collectionID: collectionID) : nil
    }
}

/// Pages of one collection's records from a snapshot, oldest first (`id` order; record IDs
/// are time-ordered and never change when a record is updated).
struct SQLCollectionExportReader: CollectionExportReader {
    let snapshot: SQLSnapshot
    let collectionID: String

    func records(afterID: String?, limit: Int) async throws -> [CollectionRecord] {
        try await snapshot.read { db in
            try db.fetchAll(
                "SELECT * FROM collection_records WHERE collection_id = ? AND id > ? ORDER BY id LIMIT ?", [collectionID, afterID ?? "", limit],
                SQLStore.record)
        }
    }
}
