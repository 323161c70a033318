import Foundation
import HookstreamCore
import JSONValue

/// The upsert engine's writes for one insert batch, run inside the batch's transaction (see
/// `CollectionStore`). The decisions are `RecordUpsert`'s; this only reads and writes rows.
///
/// Correct because SQLite serializes write transactions: the record read here cannot change
/// before this transaction commits. A backend with concurrent writers must lock the record
/// row (`SELECT … FOR UPDATE`, or an `INSERT … ON CONFLICT DO UPDATE … WHERE` comparing the
/// version) to keep last-write-wins.
struct CollectionSyncBatch {
    private let targets: [String: [CollectionIndex.Target]]
    /// Per collection, what this batch changed; written to the collection rows by `finish`.
    private var tallies: [String: Tally] = [:]
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

    init(_ index: CollectionIndex) {
        targets = index.snapshot
        keepsSyncs = true
    }

    /// A batch for one collection only (a backfill: its source's other collections already
    /// have these events).
    init(_ target: CollectionIndex.Target, sourceID: String) {
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
    mutating func apply(_ db: SQLConnection, _ item: IncomingEvent, event: Event, duplicate: Bool) throws {
        guard !targets.isEmpty, !duplicate else { return }
        let bytes: [UInt8]?
        if case .inline(let inline) = event.body { bytes = inline } else { bytes = item.body }
        try apply(db, eventID: event.id, tenant: event.tenant, sourceID: event.sourceID, receivedAt: event.receivedAt, body: bytes)
    }

    /// Upserts the event with this body (`nil`: unreadable, counted as having no key).
    mutating func apply(_ db: SQLConnection, eventID: String, tenant: Tenant, sourceID: String, receivedAt: Int64, body bytes: [UInt8]?) throws {
        guard let collections = targets[sourceID] else { return }
        let body = bytes.flatMap { try? JSON(parsing: $0) }
        for target in collections {
            var tally = tallies[target.collectionID] ?? Tally()
            tally.lastSyncAt = max(tally.lastSyncAt, receivedAt)
            if let key = RecordUpsert.key(at: target.keyPath, in: body), let bytes {
                let at = RecordUpsert.sourceEventAt(timestampPath: target.timestampPath, in: body, receivedAt: receivedAt)
                try upsert(
                    db, target.collectionID, tenant: tenant, key: key, data: bytes, version: RecordVersion(sourceEventAt: at, eventID: eventID),
                    syncedAt: receivedAt, tally: &tally)
            } else {
                tally.skippedNoKey += 1
            }
            tallies[target.collectionID] = tally
        }
    }

    private mutating func upsert(
        _ db: SQLConnection, _ collectionID: String, tenant: Tenant, key: String, data: [UInt8], version: RecordVersion, syncedAt: Int64, tally: inout Tally
    ) throws {
        let existing = try db.cachedStatement(
            "SELECT id, created_at, source_event_at, event_id FROM collection_records WHERE collection_id = ? AND record_key = ?"
        ).fetchOne([collectionID, key])
        let action: ChangelogEntry.Action
        switch RecordUpsert.decide(existing: existing.map { RecordVersion(sourceEventAt: $0["source_event_at"], eventID: $0["event_id"]) }, incoming: version) {
        case .unchanged:
            return
        case .create:
            action = .created
            tally.created += 1
            let record = CollectionRecord(
                id: ResourceID.make(.record), collectionID: collectionID, key: key, data: String(decoding: data, as: UTF8.self), eventID: version.eventID,
                sourceEventAt: version.sourceEventAt, syncedAt: syncedAt, createdAt: syncedAt)
            try db.cachedStatement(
                """
                    INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute([record.id, collectionID, key, record.data, version.eventID, version.sourceEventAt, syncedAt, record.createdAt])
            if keepsSyncs { syncs.append(RecordSync(tenant: tenant, action: action, record: record)) }
        case .replace:
            action = .updated
            let record = CollectionRecord(
                id: existing?["id"] ?? "", collectionID: collectionID, key: key, data: String(decoding: data, as: UTF8.self), eventID: version.eventID,
                sourceEventAt: version.sourceEventAt, syncedAt: syncedAt, createdAt: existing?["created_at"] ?? syncedAt)
            try db.cachedStatement(
                "UPDATE collection_records SET data = ?, event_id = ?, source_event_at = ?, synced_at = ? WHERE collection_id = ? AND record_key = ?"
            ).execute([record.data, version.eventID, version.sourceEventAt, syncedAt, collectionID, key])
            if keepsSyncs { syncs.append(RecordSync(tenant: tenant, action: action, record: record)) }
        case .skipOlder:
            action = .skipped
            tally.skippedOlder += 1
        }
        tally.changelog += 1
        try db.cachedStatement(
            """
                INSERT INTO collection_changelog (id, collection_id, record_key, event_id, action, source_event_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute([ResourceID.make(.changeLog), collectionID, key, version.eventID, action.rawValue, version.sourceEventAt, syncedAt])
    }

    /// Adds the batch's counts to each collection it touched: one statement per collection
    /// per batch rather than per event.
    func finish(_ db: SQLConnection) throws {
        guard !tallies.isEmpty else { return }
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
