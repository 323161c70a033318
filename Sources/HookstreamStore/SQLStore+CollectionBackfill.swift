import Foundation
public import HookstreamCore

extension SQLStore {
    public func startCollectionBackfill(collectionID: String, tenant: Tenant, at: Int64) async throws -> CollectionBackfill {
        guard let collection = try await collection(id: collectionID, tenant: tenant) else { throw StoreError.notFound }
        // Counted on a reader, not in the write transaction: a month of events is a long index
        // range, and the writer is ingest's. Events are only ever added after `through`, so the
        // count stays right for the range it describes.
        let (through, total) = try await database.read { db in
            let through: String? = try db.fetchValue("SELECT MAX(id) FROM events WHERE source_id = ?", [collection.sourceID])
            let total: Int64 = try through.map {
                try db.fetchValue(
                    "SELECT COUNT(*) FROM events WHERE source_id = ? AND id <= ? AND dedup_status != 'duplicate'",
                    [collection.sourceID, $0]) ?? 0
            } ?? 0
            return (through, total)
        }
        let backfill = CollectionBackfill(
            id: ResourceID.make(.backfill), collectionID: collectionID, tenant: tenant, total: total, throughEventID: through, startedAt: at)
        do {
            try await database.write { db in
                guard try Self.liveCollection(db, backfill) != nil else { throw StoreError.notFound }
                try db.execute(
                    """
                        INSERT INTO collection_backfills (id, collection_id, org_id, env_id, status, progress, total, cursor, through_event_id, started_at)
                        VALUES (?, ?, ?, ?, ?, 0, ?, NULL, ?, ?)
                        """,
                    [backfill.id, collectionID, tenant.organizationID, tenant.environmentID, backfill.status.rawValue, total, through, at])
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A backfill is already running for this collection")
        }
        return backfill
    }

    public func latestCollectionBackfill(collectionID: String, tenant: Tenant) async throws -> CollectionBackfill? {
        try await database.read { db in
            try db.fetchOne(
                """
                    SELECT b.* FROM collection_backfills b JOIN collections c ON c.id = b.collection_id
                    WHERE b.collection_id = ? AND c.org_id = ? AND c.env_id = ? AND c.deleted_at IS NULL ORDER BY b.id DESC LIMIT 1
                    """,
                [collectionID, tenant.organizationID, tenant.environmentID]
            ).map(Self.backfill)
        }
    }

    public func runningCollectionBackfills() async throws -> [CollectionBackfill] {
        try await database.read { db in
            try db.fetchAll("SELECT * FROM collection_backfills WHERE status = 'running' ORDER BY id", [], Self.backfill)
        }
    }

    public func collectionBackfillEvents(_ backfill: CollectionBackfill, limit: Int) async throws -> [BackfillEvent] {
        guard let through = backfill.throughEventID else { return [] }
        return try await database.read { db in
            try db.fetchAll(
                """
                    SELECT id, received_at, body, body_blob FROM events
                    WHERE source_id = (SELECT source_id FROM collections WHERE id = ?) AND id > ? AND id <= ? AND dedup_status != 'duplicate'
                    ORDER BY id LIMIT ?
                    """,
                [backfill.collectionID, backfill.cursor ?? "", through, limit]
            ) { row in
                let blob: String? = row["body_blob"]
                let inline: Data? = row["body"]
                return BackfillEvent(id: row["id"], receivedAt: row["received_at"], body: blob.map { .blob(key: $0) } ?? .inline(Array(inline ?? Data())))
            }
        }
    }

    public func applyCollectionBackfill(_ backfill: CollectionBackfill, events: [BackfillEvent], at: Int64) async throws -> CollectionBackfill {
        // Parsed here, not on the writer's thread, which live ingest shares.
        let bodies = events.map { $0.resolvedBody.map(ParsedBody.init) }
        return try await database.write { db in
            guard let stored = try db.fetchOne("SELECT * FROM collection_backfills WHERE id = ?", [backfill.id]).map(Self.backfill)
            else { throw StoreError.notFound }
            // Someone else advanced it (or it ended): applying this batch again would log its
            // skipped events twice.
            guard stored.status == .running, stored.cursor == backfill.cursor else { return stored }
            guard let collection = try Self.liveCollection(db, stored), let target = CollectionSyncBatch.Target(collection) else {
                let failed = stored.failed("The collection was deleted", at: at)
                try Self.save(db, failed)
                return failed
            }
            var batch = CollectionSyncBatch(target, sourceID: collection.sourceID)
            for (event, body) in zip(events, bodies) {
                try batch.apply(db, eventID: event.id, tenant: collection.tenant, sourceID: collection.sourceID, receivedAt: event.receivedAt, body: body)
            }
            try batch.finish(db)
            let next = stored.advanced(applied: events.count, lastEventID: events.last?.id, at: at)
            try Self.save(db, next)
            return next
        }
    }

    public func failCollectionBackfill(_ backfill: CollectionBackfill, reason: String, at: Int64) async throws {
        try await database.write { db in
            guard let stored = try db.fetchOne("SELECT * FROM collection_backfills WHERE id = ?", [backfill.id]).map(Self.backfill)
            else { return }
            try Self.save(db, stored.failed(reason, at: at))
        }
    }

    private static func liveCollection(_ db: SQLConnection, _ backfill: CollectionBackfill) throws -> RecordCollection? {
        try db.fetchOne(
            "SELECT * FROM collections WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
            [backfill.collectionID, backfill.tenant.organizationID, backfill.tenant.environmentID]
        ).map(Self.collection)
    }

    private static func save(_ db: SQLConnection, _ b: CollectionBackfill) throws {
        try db.execute(
            "UPDATE collection_backfills SET status = ?, progress = ?, cursor = ?, error = ?, completed_at = ? WHERE id = ?",
            [b.status.rawValue, b.progress, b.cursor, b.error, b.completedAt, b.id])
    }

    static func backfill(_ row: SQLRow) -> CollectionBackfill {
        CollectionBackfill(
            id: row["id"], collectionID: row["collection_id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]),
            status: CollectionBackfill.Status(rawValue: row["status"]) ?? .failed, progress: row["progress"], total: row["total"],
            cursor: row["cursor"], throughEventID: row["through_event_id"], error: row["error"], startedAt: row["started_at"],
            completedAt: row["completed_at"])
    }
}
