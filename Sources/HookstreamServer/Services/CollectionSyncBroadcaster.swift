import HookstreamCore
import HookstreamStore
import JSONValue

/// Where live sync goes: every record the upsert engine creates or replaces for an incoming
/// event, announced as a `sync` message on its collection's `collections:<id>` real-time
/// channel (see `CollectionSyncMessage`).
///
/// Called by ingest's group-commit writer after each batch has committed — never inside the
/// transaction, so no subscriber sees a record a failed commit takes back — and in commit
/// order, from the writer's one flush loop, so a subscriber sees a record's versions in the
/// order they were stored. It runs on that loop: an implementation must only queue (the
/// WebSocket hub routes each message to its tenant's subscribers of the channel and drops
/// slow ones), never wait.
///
/// Records a backfill writes are not announced one by one (a month of events would flood the
/// channel); a subscriber follows the backfill's progress and reads the records.
protocol CollectionSyncBroadcaster: Sendable {
    func broadcast(_ syncs: [RecordSync])
}

/// The real-time hub is the broadcaster: each record goes to the tenant's followers of its
/// collection's channel, rendered on the hub's loop only when someone follows.
extension RealtimeHub: CollectionSyncBroadcaster {
    func broadcast(_ syncs: [RecordSync]) {
        for sync in syncs {
            publish(
                CollectionSyncMessage.type, on: [.collection(sync.record.collectionID)], tenant: sync.tenant, weight: sync.record.data.utf8.count,
                subject: .record(collectionID: sync.record.collectionID, key: sync.record.key, action: sync.action)
            ) {
                CollectionSyncMessage.data(sync)
            }
        }
    }
}

/// The `sync` message for one record change, as the real-time guide shapes every message:
/// `{"type": "sync", "channel": "collections:<id>", "data": <the record, as the records API
/// shows it, with "action": "created" | "updated">}`. The hub writes the envelope around
/// ``data(_:)``, rendered once however many clients follow the channel.
enum CollectionSyncMessage {
    static let type = "sync"

    static func data(_ sync: RecordSync) -> [UInt8] {
        var data = CollectionsRoutes.recordWriter(sync.record)
        data.member("action", .string(sync.action.rawValue))
        return data.finished()
    }
}
