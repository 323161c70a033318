import HookstreamCore
@testable import HookstreamServer
import JSONValue
import Testing

/// The `sync` message live collection sync hands the real-time hub: `type` `sync` on
/// `collections:<id>`, its `data` the record as the records API shows it plus its action.
@Suite struct CollectionSyncMessageTests {
    @Test(arguments: [ChangelogEntry.Action.created, .updated])
    func aSyncMessageCarriesTheRecordAndWhatHappenedToIt(_ action: ChangelogEntry.Action) throws {
        // Data kept byte for byte: a large integer survives.
        let record = CollectionRecord(
            id: "rec_1", collectionID: "col_1", key: "cus/1", data: #"{"data":{"id":"cus/1","n":12345678901234567890}}"#, eventID: "evt_2",
            sourceEventAt: 1_780_000_000_000, syncedAt: 1_780_000_001_000, createdAt: 1_780_000_000_500)
        let sync = RecordSync(tenant: Tenant(organizationID: "org_1", environmentID: "env_1"), action: action, record: record)
        #expect(CollectionSyncMessage.type == "sync" && sync.channel == "collections:col_1")
        let bytes = CollectionSyncMessage.data(sync)
        let data = try JSON(parsing: bytes)
        #expect(data["action"] == .string(action.rawValue))
        #expect(data["id"] == "rec_1" && data["collection_id"] == "col_1" && data["primary_key"] == "cus/1" && data["record_key"] == "cus/1")
        #expect(data["event_id"] == "evt_2" && data["source_event_at"] == "2026-05-28T20:26:40.000Z")
        #expect(data["synced_at"]?.stringValue != nil && data["created_at"]?.stringValue != nil)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""n":12345678901234567890"#))
    }
}
