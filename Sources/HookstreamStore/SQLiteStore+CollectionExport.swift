import GRDB
public import HookstreamCore

extension SQLiteStore {
    /// On SQLite the consistent state is a snapshot: a read transaction on a connection of the
    /// export's own, held until the reader goes away. While it is held, WAL checkpoints cannot
    /// move past it, so the WAL grows by whatever is written during the export and is truncated
    /// by the next checkpoint after it.
    public func openCollectionExport(collectionID: String, tenant: Tenant) async throws -> (any CollectionExportReader)? {
        let snapshot = try pool.makeSnapshot()
        let live = try await snapshot.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM collections WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                arguments: [collectionID, tenant.organizationID, tenant.environmentID]) ?? false
        }
        return live ? SQLiteCollectionExportReader(snapshot: snapshot, collectionID: collectionID) : nil
    }
}

/// Pages of one collection's records from a snapshot, oldest first (`id` order; record IDs
/// are time-ordered and never change when a record is updated).
struct SQLiteCollectionExportReader: CollectionExportReader {
    let snapshot: DatabaseSnapshot
    let collectionID: String

    func records(afterID: String?, limit: Int) async throws -> [CollectionRecord] {
        try await snapshot.read { db in
            try SQLConnection(db).fetchAll(
                "SELECT * FROM collection_records WHERE collection_id = ? AND id > ? ORDER BY id LIMIT ?", [collectionID, afterID ?? "", limit],
                SQLiteStore.record)
        }
    }
}
