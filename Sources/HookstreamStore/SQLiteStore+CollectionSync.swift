import Foundation
import GRDB
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

    private struct Tally {
        var created: Int64 = 0
        var changelog: Int64 = 0
        var skippedOlder: Int64 = 0
        var skippedNoKey: Int64 = 0
        var lastSyncAt: Int64 = 0
    }

    init(_ index: CollectionIndex) {
        targets = index.snapshot
    }

    /// A batch for one collection only (a backfill: its source's other collections already
    /// have these events).
    init(_ target: CollectionIndex.Target, sourceID: String) {
        targets = [sourceID: [target]]
    }

    /// Upserts `event` into every collection its source feeds. Duplicates (dedup) are the same
    /// webhook again and change nothing.
    mutating func apply(_ db: Database, _ item: IncomingEvent, event: Event, duplicate: Bool) throws {
        guard !targets.isEmpty, !duplicate else { return }
        let bytes: [UInt8]?
        if case .inline(let inline) = event.body { bytes = inline } else { bytes = item.body }
        try apply(db, eventID: event.id, sourceID: event.sourceID, receivedAt: event.receivedAt, body: bytes)
    }

    /// Upserts the event with this body (`nil`: unreadable, counted as having no key).
    mutating func apply(_ db: Database, eventID: String, sourceID: String, receivedAt: Int64, body bytes: [UInt8]?) throws {
        guard let collections = targets[sourceID] else { return }
        let body = bytes.flatMap { try? JSON(parsing: $0) }
        for target in collections {
            var tally = tallies[target.collectionID] ?? Tally()
            tally.lastSyncAt = max(tally.lastSyncAt, receivedAt)
            if let key = RecordUpsert.key(at: target.keyPath, in: body), let bytes {
                let at = RecordUpsert.sourceEventAt(timestampPath: target.timestampPath, in: body, receivedAt: receivedAt)
                try upsert(db, target.collectionID, key: key, data: bytes, version: RecordVersion(sourceEventAt: at, eventID: eventID), syncedAt: receivedAt, tally: &tally)
            } else {
                tally.skippedNoKey += 1
            }
            tallies[target.collectionID] = tally
        }
    }

    private func upsert(_ db: Database, _ collectionID: String, key: String, data: [UInt8], version: RecordVersion, syncedAt: Int64, tally: inout Tally) throws {
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT source_event_at, event_id FROM collection_records WHERE collection_id = ? AND record_key = ?"),
            arguments: [collectionID, key]
        ).map { RecordVersion(sourceEventAt: $0["source_event_at"], eventID: $0["event_id"]) }
        let action: ChangelogEntry.Action
        switch RecordUpsert.decide(existing: existing, incoming: version) {
        case .unchanged:
            return
        case .create:
            action = .created
            tally.created += 1
            try db.cachedStatement(
                sql: """
                    INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [ResourceID.make(.record), collectionID, key, String(decoding: data, as: UTF8.self), version.eventID, version.sourceEventAt, syncedAt, syncedAt])
        case .replace:
            action = .updated
            try db.cachedStatement(
                sql: "UPDATE collection_records SET data = ?, event_id = ?, source_event_at = ?, synced_at = ? WHERE collection_id = ? AND record_key = ?"
            ).execute(arguments: [String(decoding: data, as: UTF8.self), version.eventID, version.sourceEventAt, syncedAt, collectionID, key])
        case .skipOlder:
            action = .skipped
            tally.skippedOlder += 1
        }
        tally.changelog += 1
        try db.cachedStatement(
            sql: """
                INSERT INTO collection_changelog (id, collection_id, record_key, event_id, action, source_event_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [ResourceID.make(.changeLog), collectionID, key, version.eventID, action.rawValue, version.sourceEventAt, syncedAt])
    }

    /// Adds the batch's counts to each collection it touched: one statement per collection
    /// per batch rather than per event.
    func finish(_ db: Database) throws {
        guard !tallies.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: """
                UPDATE collections SET record_count = record_count + ?, changelog_entries = changelog_entries + ?,
                    skipped_older = skipped_older + ?, skipped_no_key = skipped_no_key + ?,
                    last_sync_at = MAX(COALESCE(last_sync_at, 0), ?)
                WHERE id = ?
                """)
        for (id, t) in tallies {
            try statement.execute(arguments: [t.created, t.changelog, t.skippedOlder, t.skippedNoKey, t.lastSyncAt, id])
        }
    }
}
