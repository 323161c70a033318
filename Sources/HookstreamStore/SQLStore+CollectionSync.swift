import Foundation
import HookstreamCore
import JSONValue

/// The upsert engine's writes for one insert batch, run inside the batch's transaction (see
/// `CollectionStore`). The decisions are `RecordUpsert`'s; this only reads and writes rows.
///
/// Each statement decides against the row as committed, not as read earlier, so last write
/// wins holds with writers in several processes too (PostgreSQL, several nodes): a record is
/// replaced only by an update whose condition is "stored version older than this event",
/// which PostgreSQL re-checks against the newest row once a concurrent writer's lock is
/// released; created only by an insert that does nothing if the key exists; and when neither
/// applies, the stored version is read to tell a duplicate from an older event. On SQLite, one
/// writer at a time, that read never finds anything but a newer or equal version.
struct CollectionSyncBatch {
    /// What the upsert engine needs of one collection.
    struct Target: Sendable {
        var collectionID: String
        var keyPath: CollectionPath
        var timestampPath: CollectionPath?
    }

    private let targets: [String: [Target]]
    /// Per collection, what this batch changed; written to the collection rows by `finish`.
    private var tallies: [String: Tally] = [:]
    /// The batch's changelog rows, inserted together by `finish`: nothing reads them before.
    private var changelog = RowInserts(
        into: "collection_changelog", columns: ["id", "collection_id", "record_key", "event_id", "action", "source_event_at", "created_at"])
    /// Whether records created or replaced are kept for ``takeSyncs()`` (live events only: a
    /// backfill announces nothing per record, see `CollectionBackfill`).
    private let keepsSyncs: Bool
    private var syncs: [RecordSync] = []

    private struct Tally {
        var created: Int64 = 0
        var changelog: Int64 = 0
        var skippedOlder: Int64 = 0
        var skippedNoKey: Int64 = 0
        var lastSyncAt: Int64 = 0
    }

    /// A batch for the live collections of `sourceIDs`, read in the batch's transaction. The
    /// insert batch names only the sources whose `collection_count` it read as non-zero, in
    /// the same transaction (most sources feed no collection and cost no read).
    init(_ db: SQLConnection, sourceIDs: Set<String>) throws {
        var targets: [String: [Target]] = [:]
        if !sourceIDs.isEmpty {
            // Once per batch: the padded list keeps the statement prepared (compiling it each
            // time cost a synced event about 8 µs of the writer's time at 30 events a batch).
            let list = SQLStore.paddedList(Array(sourceIDs))
            let live = try db.cachedStatement(
                "SELECT * FROM collections WHERE deleted_at IS NULL AND source_id IN (\(list.placeholders)) ORDER BY id"
            ).fetchAll(list.arguments, SQLStore.collection)
            for collection in live { if let target = Target(collection) { targets[collection.sourceID, default: []].append(target) } }
        }
        self.targets = targets
        keepsSyncs = true
    }

    /// A batch for one collection only (a backfill: its source's other collections already
    /// have these events).
    init(_ target: Target, sourceID: String) {
        targets = [sourceID: [target]]
        keepsSyncs = false
    }

    /// The records changed since the last call (the last event applied, in the insert loop).
    mutating func takeSyncs() -> [RecordSync] {
        defer { syncs.removeAll(keepingCapacity: true) }
        return syncs
    }

    /// Upserts `event` into every collection its source feeds. Duplicates (dedup) are the same
    /// webhook again and change nothing.
    mutating func apply(_ db: SQLConnection, _ item: IncomingEvent, duplicate: Bool) throws {
        guard !targets.isEmpty, !duplicate else { return }
        let event = item.event
        guard targets[event.sourceID] != nil else { return }
        let parsed: ParsedBody?
        if let prepared = item.parsedBody {
            parsed = prepared
        } else if case .inline(let inline) = event.body {
            parsed = ParsedBody(inline)
        } else {
            parsed = item.body.map(ParsedBody.init)
        }
        try apply(db, eventID: event.id, tenant: event.tenant, sourceID: event.sourceID, receivedAt: event.receivedAt, body: parsed)
    }

    /// Upserts the event with this body (`nil`: unreadable, counted as having no key).
    mutating func apply(_ db: SQLConnection, eventID: String, tenant: Tenant, sourceID: String, receivedAt: Int64, body parsed: ParsedBody?) throws {
        guard let collections = targets[sourceID] else { return }
        let body = parsed?.json
        for target in collections {
            var tally = tallies[target.collectionID] ?? Tally()
            tally.lastSyncAt = max(tally.lastSyncAt, receivedAt)
            if let key = RecordUpsert.key(at: target.keyPath, in: body), let parsed {
                let at = RecordUpsert.sourceEventAt(timestampPath: target.timestampPath, in: body, receivedAt: receivedAt)
                try upsert(
                    db, target.collectionID, tenant: tenant, key: key, data: parsed.text,
                    version: RecordVersion(sourceEventAt: at, eventID: eventID), syncedAt: receivedAt, tally: &tally)
            } else {
                tally.skippedNoKey += 1
            }
            tallies[target.collectionID] = tally
        }
    }

    private mutating func upsert(
        _ db: SQLConnection, _ collectionID: String, tenant: Tenant, key: String, data: String, version: RecordVersion, syncedAt: Int64, tally: inout Tally
    ) throws {
        let action: ChangelogEntry.Action
        // Each pass ends unless another process changed the record between its statements
        // (then the next pass decides against that change).
        decided: while true {
            // Replaced when the stored version is older: `RecordVersion`'s order, in SQL.
            if let replaced = try db.cachedStatement(
                """
                    UPDATE collection_records SET data = ?, event_id = ?, source_event_at = ?, synced_at = ?
                    WHERE collection_id = ? AND record_key = ? AND (source_event_at < ? OR (source_event_at = ? AND event_id < ?))
                    RETURNING id, created_at
                    """
            ).fetchOne([data, version.eventID, version.sourceEventAt, syncedAt, collectionID, key, version.sourceEventAt, version.sourceEventAt, version.eventID]) {
                action = .updated
                let record = CollectionRecord(
                    id: replaced["id"], collectionID: collectionID, key: key, data: data, eventID: version.eventID, sourceEventAt: version.sourceEventAt,
                    syncedAt: syncedAt, createdAt: replaced["created_at"])
                if keepsSyncs { syncs.append(RecordSync(tenant: tenant, action: action, record: record)) }
                break decided
            }
            let record = CollectionRecord(
                id: ResourceID.make(.record), collectionID: collectionID, key: key, data: data, eventID: version.eventID,
                sourceEventAt: version.sourceEventAt, syncedAt: syncedAt, createdAt: syncedAt)
            let created = try db.cachedStatement(
                """
                    INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (collection_id, record_key) DO NOTHING
                    """
            ).execute([record.id, collectionID, key, data, version.eventID, version.sourceEventAt, syncedAt, record.createdAt])
            if created == 1 {
                action = .created
                tally.created += 1
                if keepsSyncs { syncs.append(RecordSync(tenant: tenant, action: action, record: record)) }
                break decided
            }
            // The record exists and is not older than this event.
            guard
                let stored = try db.cachedStatement("SELECT source_event_at, event_id FROM collection_records WHERE collection_id = ? AND record_key = ?")
                    .fetchOne([collectionID, key])
            else { continue decided }
            switch RecordUpsert.decide(existing: RecordVersion(sourceEventAt: stored["source_event_at"], eventID: stored["event_id"]), incoming: version) {
            case .unchanged:
                return
            case .skipOlder:
                action = .skipped
                tally.skippedOlder += 1
                break decided
            case .create, .replace:
                continue decided
            }
        }
        tally.changelog += 1
        changelog.append([ResourceID.make(.changeLog), collectionID, key, version.eventID, action.rawValue, version.sourceEventAt, syncedAt])
    }

    /// Writes the batch's changelog and adds its counts to each collection it touched: one
    /// statement per collection per batch rather than per event.
    func finish(_ db: SQLConnection) throws {
        guard !tallies.isEmpty else { return }
        try changelog.execute(db)
        let statement = try db.cachedStatement(
            """
                UPDATE collections SET record_count = record_count + ?, changelog_entries = changelog_entries + ?,
                    skipped_older = skipped_older + ?, skipped_no_key = skipped_no_key + ?,
                    last_sync_at = \(db.dialect.greatest("COALESCE(last_sync_at, 0)", "?"))
                WHERE id = ?
                """)
        for (id, t) in tallies {
            try statement.execute([t.created, t.changelog, t.skippedOlder, t.skippedNoKey, t.lastSyncAt, id])
        }
    }
}

extension CollectionSyncBatch.Target {
    /// The target of a stored collection; `nil` if its paths no longer parse (they were
    /// validated when it was created, so only a hand-edited database gets here).
    init?(_ collection: RecordCollection) {
        guard let keyPath = try? CollectionPath(parsing: collection.primaryKeyPath, field: "primary_key_path") else { return nil }
        var timestampPath: CollectionPath?
        if let text = collection.timestampPath {
            guard let parsed = try? CollectionPath(parsing: text, field: "timestamp_path") else { return nil }
            timestampPath = parsed
        }
        self.init(collectionID: collection.id, keyPath: keyPath, timestampPath: timestampPath)
    }
}
