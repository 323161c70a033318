import HookstreamCore
import Synchronization

/// Which sources feed which collections, in memory, so the insert transaction knows without a
/// query whether an event has collections to update (most sources have none: one dictionary
/// lookup per event is all they pay).
///
/// Exact, not a cache that may lag: it is loaded when the store opens and changed only inside
/// the write transactions that create or delete a collection. SQLite runs one write
/// transaction at a time, so an insert batch sees either the state before such a change or
/// the state after it, never a mix; a write that fails reloads it from the database. Nodes
/// sharing a PostgreSQL database cannot see each other's changes here, so there an insert
/// batch reads its sources' collections in its own transaction instead.
final class CollectionIndex: Sendable {
    /// What the upsert engine needs of one collection.
    struct Target: Sendable {
        var collectionID: String
        var keyPath: CollectionPath
        var timestampPath: CollectionPath?
    }

    private let bySource = Mutex<[String: [Target]]>([:])

    /// Every source's targets; taken once per insert batch, inside its transaction.
    var snapshot: [String: [Target]] { bySource.withLock { $0 } }

    func replaceAll(with rows: [(sourceID: String, target: Target)]) {
        var fresh: [String: [Target]] = [:]
        for row in rows { fresh[row.sourceID, default: []].append(row.target) }
        bySource.withLock { $0 = fresh }
    }

    func add(_ target: Target, sourceID: String) {
        bySource.withLock { $0[sourceID, default: []].append(target) }
    }

    func remove(collectionID: String) {
        bySource.withLock { index in
            for (sourceID, targets) in index where targets.contains(where: { $0.collectionID == collectionID }) {
                let kept = targets.filter { $0.collectionID != collectionID }
                index[sourceID] = kept.isEmpty ? nil : kept
            }
        }
    }
}

extension CollectionIndex.Target {
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
