import Foundation
import HookstreamCore
import HookstreamStore
import HookstreamTesting
import JSONValue
import Testing

/// The contract of `CollectionStore` and of the upsert engine inside `insertEvents`, run
/// against every backend: tenant isolation, slugs, last-write-wins with ties and late events,
/// events without a key, numeric keys, and what deleting a collection takes with it.
@Suite struct CollectionStoreConformanceTests {
    static let t0 = StoreFixture.t0

    private static func collection(_ f: StoreFixture, slug: String = "orders", keyPath: String = "data.id", timestampPath: String? = nil) -> RecordCollection {
        RecordCollection(
            id: ResourceID.make(.collection), tenant: f.tenant, name: "Orders", slug: slug, sourceID: f.source.id, primaryKeyPath: keyPath,
            timestampPath: timestampPath, createdAt: t0, updatedAt: t0)
    }

    /// An event whose body is `{"data": {"id": <id>, "v": <v>}}` (plus `extra` members).
    private static func body(id: JSON, v: Int, extra: JSONObject = [:]) -> String {
        var data: JSONObject = ["id": id, "v": .number(Double(v))]
        for (k, value) in extra { data[k] = value }
        return JSON.object(["data": .object(data)]).serialized()
    }

    private static func data(_ record: CollectionRecord?) -> JSON? {
        record.flatMap { try? JSON(parsing: $0.data) }
    }

    @Test(arguments: StoreBackend.all)
    func collectionsAreScopedToTheirTenantAndSlugsUniquePerEnvironment(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let mine = try await StoreFixture.make(store)
        let theirs = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        let orders = Self.collection(mine)
        try await store.createCollection(orders)
        // The same slug in another environment is fine; twice in one is a conflict.
        try await store.createCollection(Self.collection(theirs))
        await #expect(throws: StoreError.self) { try await store.createCollection(Self.collection(mine)) }

        #expect(try await store.collection(id: orders.id, tenant: mine.tenant) == orders)
        #expect(try await store.collection(id: orders.id, tenant: theirs.tenant) == nil)
        #expect(try await store.collections(tenant: mine.tenant, sourceID: nil, beforeID: nil, limit: 10).items.map(\.id) == [orders.id])
        #expect(try await store.collections(tenant: mine.tenant, sourceID: "src_0", beforeID: nil, limit: 10).items.isEmpty)

        var stolen = orders
        stolen.tenant = theirs.tenant
        stolen.name = "stolen"
        await #expect(throws: StoreError.self) { try await store.updateCollection(stolen) }
        await #expect(throws: StoreError.self) { try await store.deleteCollection(id: orders.id, tenant: theirs.tenant, at: Self.t0) }

        try await mine.ingest(body: Self.body(id: "o1", v: 1))
        #expect(try await store.collectionRecord(collectionID: orders.id, tenant: mine.tenant, key: "o1") != nil)
        #expect(try await store.collectionRecord(collectionID: orders.id, tenant: theirs.tenant, key: "o1") == nil)
        #expect(try await store.collectionRecords(collectionID: orders.id, tenant: theirs.tenant, search: nil, beforeID: nil, limit: 10).items.isEmpty)
        #expect(try await store.collectionChangelog(collectionID: orders.id, tenant: theirs.tenant, key: "o1", beforeID: nil, limit: 10).items.isEmpty)

        var renamed = orders
        renamed.name = "All Orders"
        renamed.slug = "all-orders"
        renamed.updatedAt = Self.t0 + 1
        try await store.updateCollection(renamed)
        let stored = try #require(try await store.collection(id: orders.id, tenant: mine.tenant))
        #expect(stored.name == "All Orders" && stored.slug == "all-orders" && stored.stats.recordCount == 1)
        // The freed slug can be taken again.
        try await store.createCollection(Self.collection(mine))
    }

    @Test(arguments: StoreBackend.all)
    func lastWriteWinsOnReceptionTimeAndLateEventsAreLoggedAsSkipped(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)

        // Reception order t0+2000, t0+1000 (late), t0+3000: the late one changes nothing.
        let (newer, _) = try await f.ingest(at: Self.t0 + 2000, body: Self.body(id: "o1", v: 2))
        let (older, _) = try await f.ingest(at: Self.t0 + 1000, body: Self.body(id: "o1", v: 1))
        var record = try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1")
        #expect(Self.data(record)?["data"]?["v"] == 2)
        #expect(record?.eventID == newer.id)
        #expect(record?.sourceEventAt == Self.t0 + 2000)
        let (newest, _) = try await f.ingest(at: Self.t0 + 3000, body: Self.body(id: "o1", v: 3))
        record = try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1")
        #expect(Self.data(record)?["data"]?["v"] == 3)

        let log = try await store.collectionChangelog(collectionID: c.id, tenant: f.tenant, key: "o1", beforeID: nil, limit: 10).items
        #expect(log.map(\.eventID) == [newest.id, older.id, newer.id], "newest entry first")
        #expect(log.map(\.action) == [.updated, .skipped, .created])

        let stats = try #require(try await store.collection(id: c.id, tenant: f.tenant)).stats
        #expect(stats == RecordCollection.Stats(recordCount: 1, changelogEntries: 3, skippedOlder: 1, skippedNoKey: 0, lastSyncAt: Self.t0 + 3000))
    }

    @Test(arguments: StoreBackend.all)
    func equalTimesAreBrokenByTheGreaterEventIDWithinAndAcrossBatches(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        let a = f.event(at: Self.t0, body: Self.body(id: "k", v: 1))
        let b = f.event(at: Self.t0, body: Self.body(id: "k", v: 2))
        #expect(a.id < b.id)
        // The greater ID first, in one batch: the smaller one that follows is skipped.
        _ = try await store.insertEvents([IncomingEvent(event: b), IncomingEvent(event: a)])
        let record = try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "k")
        #expect(record?.eventID == b.id)
        #expect(Self.data(record)?["data"]?["v"] == 2)
        // Across batches, the greater ID replaces.
        let later = f.event(at: Self.t0, body: Self.body(id: "k", v: 3))
        _ = try await store.insertEvents([IncomingEvent(event: later)])
        #expect(try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "k")?.eventID == later.id)
    }

    @Test(arguments: StoreBackend.all)
    func aPayloadTimestampOrdersLateProviderDeliveries(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f, timestampPath: "created")
        try await store.createCollection(c)
        func body(_ v: Int, created: JSON) -> String {
            JSON.object(["created": created, "data": ["id": "cus_1", "v": .number(Double(v))]]).serialized()
        }
        // Received in this order, but the provider says the first one is the newest.
        try await f.ingest(at: Self.t0 + 1, body: body(3, created: 1_780_000_300))  // Unix seconds
        try await f.ingest(at: Self.t0 + 2, body: body(1, created: 1_780_000_100_000))  // milliseconds
        try await f.ingest(at: Self.t0 + 3, body: body(2, created: "2026-05-28T20:30:00Z"))  // ISO 8601: 1_780_000_200 s
        let record = try #require(try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "cus_1"))
        #expect(Self.data(record)?["data"]?["v"] == 3)
        #expect(record.sourceEventAt == 1_780_000_300_000)
        let log = try await store.collectionChangelog(collectionID: c.id, tenant: f.tenant, key: "cus_1", beforeID: nil, limit: 10).items
        #expect(log.map(\.action) == [.skipped, .skipped, .created])
        #expect(log.map(\.sourceEventAt) == [1_780_000_200_000, 1_780_000_100_000, 1_780_000_300_000])
    }

    @Test(arguments: StoreBackend.all)
    func eventsWithoutAKeyAreCountedAndNumericKeysAreNormalized(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        try await f.ingest(at: Self.t0 + 1, body: Self.body(id: 42, v: 1))
        try await f.ingest(at: Self.t0 + 2, body: Self.body(id: 42.0, v: 2))
        try await f.ingest(at: Self.t0 + 3, body: "{\"data\":{\"id\":4.2e1,\"v\":3}}")
        // No key: missing, null, an object, a boolean, an empty string, not JSON at all.
        for (i, text) in ["{\"data\":{}}", "{\"data\":{\"id\":null}}", "{\"data\":{\"id\":{\"a\":1}}}", "{\"data\":{\"id\":true}}", "{\"data\":{\"id\":\"\"}}", "not json", "[]"].enumerated() {
            try await f.ingest(at: Self.t0 + 10 + Int64(i), body: text)
        }
        let records = try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 10).items
        #expect(records.map(\.key) == ["42"])
        #expect(Self.data(records.first)?["data"]?["v"] == 3)
        let stats = try #require(try await store.collection(id: c.id, tenant: f.tenant)).stats
        #expect(stats.recordCount == 1)
        #expect(stats.skippedNoKey == 7)
        #expect(stats.changelogEntries == 3)
    }

    @Test(arguments: StoreBackend.all)
    func duplicatesAndOtherSourcesDoNotTouchTheCollection(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let other = try await StoreFixture.make(store, tenant: f.tenant)
        let c = Self.collection(f)
        try await store.createCollection(c)
        let first = IncomingEvent(event: f.event(at: Self.t0, body: Self.body(id: "o1", v: 1)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        let repeated = IncomingEvent(event: f.event(at: Self.t0 + 1, body: Self.body(id: "o1", v: 2)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        _ = try await store.insertEvents([first, repeated])
        try await other.ingest(at: Self.t0 + 2, body: Self.body(id: "o2", v: 1))
        let records = try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 10).items
        #expect(records.map(\.key) == ["o1"])
        #expect(records.first?.eventID == first.event.id)
        #expect(try #require(try await store.collection(id: c.id, tenant: f.tenant)).stats.changelogEntries == 1)
    }

    /// Holding is about delivery: a paused source's events are the newest state all the same,
    /// and releasing (or retrying) them later does not apply them a second time.
    @Test(arguments: StoreBackend.all)
    func aPausedSourcesEventsSyncOnArrivalAndNotAgainOnRelease(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store, sourceStatus: .paused)
        let c = Self.collection(f)
        try await store.createCollection(c)
        let (event, outcome) = try await f.ingest(body: Self.body(id: "o1", v: 1))
        #expect(outcome.held)
        #expect(try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1")?.eventID == event.id)
        var source = f.source
        source.status = .active
        try await store.updateSource(source)
        #expect(try await store.releaseHeldEvents([HeldRelease(eventID: event.id, routes: [f.route])], now: Self.t0 + 1).count == 1)
        _ = try await store.requeueEvent(id: event.id, tenant: f.tenant, routes: [f.route], now: Self.t0 + 2)
        #expect(try await store.collectionChangelog(collectionID: c.id, tenant: f.tenant, key: "o1", beforeID: nil, limit: 10).items.count == 1)
        #expect(try #require(try await store.collection(id: c.id, tenant: f.tenant)).stats.changelogEntries == 1)
    }

    @Test(arguments: StoreBackend.all)
    func recordsPageNewestFirstAndKeepTheirIDWhenUpdated(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        for i in 0..<5 { try await f.ingest(at: Self.t0 + Int64(i), body: Self.body(id: .string("o\(i)"), v: i)) }
        let first = try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 2)
        #expect(first.items.map(\.key) == ["o4", "o3"])
        #expect(first.hasMore)
        let idBefore = try #require(try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1")?.id)
        try await f.ingest(at: Self.t0 + 100, body: Self.body(id: "o1", v: 100))
        let second = try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: nil, beforeID: first.nextAfterID, limit: 2)
        #expect(second.items.map(\.key) == ["o2", "o1"])
        #expect(second.items.last?.id == idBefore)
        let third = try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: nil, beforeID: second.nextAfterID, limit: 2)
        #expect(third.items.map(\.key) == ["o0"])
        #expect(!third.hasMore)
    }

    @Test(arguments: StoreBackend.all)
    func deletingACollectionTakesItsRecordsAndStopsSyncing(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        try await f.ingest(body: Self.body(id: "o1", v: 1))
        try await store.deleteCollection(id: c.id, tenant: f.tenant, at: Self.t0)
        #expect(try await store.collection(id: c.id, tenant: f.tenant) == nil)
        await #expect(throws: StoreError.self) { try await store.deleteCollection(id: c.id, tenant: f.tenant, at: Self.t0) }
        // A new collection with the same slug starts empty and gets only new events.
        let again = Self.collection(f)
        try await store.createCollection(again)
        #expect(try await store.collectionRecords(collectionID: again.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 10).items.isEmpty)
        try await f.ingest(at: Self.t0 + 1, body: Self.body(id: "o2", v: 1))
        #expect(try await store.collectionRecords(collectionID: again.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 10).items.map(\.key) == ["o2"])
        #expect(try await store.collectionChangelog(collectionID: c.id, tenant: f.tenant, key: "o1", beforeID: nil, limit: 10).items.isEmpty)

        // The deleted collection's rows (one record, one changelog entry) go in bounded batches;
        // the live collection's stay.
        #expect(try await store.purgeDeletedCollections(limit: 1) == 1)
        #expect(try await store.purgeDeletedCollections(limit: 10) == 1)
        #expect(try await store.purgeDeletedCollections(limit: 10) == 0)
        #expect(try await store.collectionRecords(collectionID: again.id, tenant: f.tenant, search: nil, beforeID: nil, limit: 10).items.map(\.key) == ["o2"])
        #expect(try await store.collectionChangelog(collectionID: again.id, tenant: f.tenant, key: "o2", beforeID: nil, limit: 10).items.count == 1)
    }

    @Test(arguments: StoreBackend.all)
    func aBlobBodyIsReadFromTheBytesGivenWithTheEvent(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        let bytes = Array(Self.body(id: "big", v: 1, extra: ["pad": .string(String(repeating: "x", count: 20_000))]).utf8)
        var event = f.event(at: Self.t0)
        event.body = .blob(key: "org/2026-05-28/\(event.id)")
        event.bodySize = bytes.count
        _ = try await store.insertEvents([IncomingEvent(event: event, body: bytes)])
        let record = try #require(try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "big"))
        #expect(record.data.utf8.count == bytes.count)
    }

    @Test(arguments: StoreBackend.all)
    func anExportReadsOneConsistentStateInPagesOldestFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        for i in 0..<5 { try await f.ingest(at: Self.t0 + Int64(i), body: Self.body(id: .string("o\(i)"), v: i)) }
        let reader = try #require(try await store.openCollectionExport(collectionID: c.id, tenant: f.tenant))
        // Written after the export began: an update, a new record. The export sees neither.
        try await f.ingest(at: Self.t0 + 100, body: Self.body(id: "o1", v: 100))
        try await f.ingest(at: Self.t0 + 101, body: Self.body(id: "o9", v: 9))
        func all(pageSize: Int) async throws -> [CollectionRecord] {
            var out: [CollectionRecord] = []
            var page = try await reader.records(afterID: nil, limit: pageSize)
            while !page.isEmpty {
                out += page
                page = try await reader.records(afterID: page.last?.id, limit: pageSize)
            }
            return out
        }
        let exported = try await all(pageSize: 2)
        #expect(exported.map(\.key) == ["o0", "o1", "o2", "o3", "o4"])
        #expect(Self.data(exported[1])?["data"]?["v"] == 1)
        #expect(try await all(pageSize: 10).map(\.key) == exported.map(\.key), "a second pass reads the same state")
        // A new export sees the writes.
        let fresh = try #require(try await store.openCollectionExport(collectionID: c.id, tenant: f.tenant))
        #expect(try await fresh.records(afterID: nil, limit: 10).map(\.key) == ["o0", "o1", "o2", "o3", "o4", "o9"])

        #expect(try await store.openCollectionExport(collectionID: c.id, tenant: try await StoreFixture.otherTenant(store)) == nil)
        try await store.deleteCollection(id: c.id, tenant: f.tenant, at: Self.t0 + 200)
        #expect(try await store.openCollectionExport(collectionID: c.id, tenant: f.tenant) == nil)
    }

    @Test(arguments: StoreBackend.all)
    func searchMatchesEveryTermOfTheCurrentDataInTheTenantOnly(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f)
        try await store.createCollection(c)
        try await f.ingest(at: Self.t0 + 1, body: Self.body(id: "o1", v: 1, extra: ["email": "ann@shop.io"]))
        try await f.ingest(at: Self.t0 + 2, body: Self.body(id: "o2", v: 1, extra: ["email": "bob@shop.io"]))
        func keys(_ search: String, tenant: Tenant? = nil) async throws -> [String] {
            try await store.collectionRecords(collectionID: c.id, tenant: tenant ?? f.tenant, search: search, beforeID: nil, limit: 10).items.map(\.key)
        }
        #expect(try await keys("ann@shop.io") == ["o1"])
        #expect(try await keys("SHOP") == ["o2", "o1"])
        #expect(try await keys("shop ann") == ["o1"])
        #expect(try await keys("\"\" OR *") == [])
        #expect(try await keys("   ") == ["o2", "o1"])
        #expect(try await keys("shop", tenant: try await StoreFixture.otherTenant(store)) == [])
        // An older event is skipped: the index keeps the newer data.
        try await f.ingest(at: Self.t0 + 3, body: Self.body(id: "o1", v: 2, extra: ["email": "ann@new.io"]))
        try await f.ingest(at: Self.t0, body: Self.body(id: "o1", v: 0, extra: ["email": "ann@old.io"]))
        #expect(try await keys("ann@shop.io") == [])
        #expect(try await keys("old") == [])
        #expect(try await keys("ann@new.io") == ["o1"])
        // Purging a deleted collection's rows takes their index entries with them.
        try await store.deleteCollection(id: c.id, tenant: f.tenant, at: Self.t0 + 10)
        while try await store.purgeDeletedCollections(limit: 100) > 0 {}
        #expect(try await keys("shop") == [])
    }

    /// However the background indexing interleaves with changes — a record changed many times
    /// between two batches, records removed and their row ids reused by new ones — a search
    /// finds exactly what the records hold now.
    @Test(arguments: StoreBackend.all)
    func searchFollowsRecordsWhateverTheIndexingPace(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let first = Self.collection(f)
        try await store.createCollection(first)
        func keys(_ c: RecordCollection, _ search: String) async throws -> [String] {
            try await store.collectionRecords(collectionID: c.id, tenant: f.tenant, search: search, beforeID: nil, limit: 10).items.map(\.key)
        }
        try await f.ingest(at: Self.t0 + 1, body: Self.body(id: "o1", v: 1, extra: ["word": "alpha"]))
        _ = try await store.indexPendingRecordSearch(limit: 1)
        for v in 2...5 { try await f.ingest(at: Self.t0 + Int64(v), body: Self.body(id: "o1", v: v, extra: ["word": .string("beta\(v)")])) }
        try await f.ingest(at: Self.t0 + 6, body: Self.body(id: "o2", v: 1, extra: ["word": "gamma"]))
        #expect(try await keys(first, "alpha") == [])
        #expect(try await keys(first, "beta4") == [])
        #expect(try await keys(first, "beta5") == ["o1"])
        #expect(try await keys(first, "gamma") == ["o2"])
        while try await store.indexPendingRecordSearch(limit: 1) > 0 {}
        #expect(try await keys(first, "beta5") == ["o1"])

        // Purged rows leave the index even when new records take their row ids.
        try await store.deleteCollection(id: first.id, tenant: f.tenant, at: Self.t0 + 10)
        while try await store.purgeDeletedCollections(limit: 100) > 0 {}
        let second = Self.collection(f, slug: "orders-2")
        try await store.createCollection(second)
        try await f.ingest(at: Self.t0 + 11, body: Self.body(id: "n1", v: 1, extra: ["word": "delta"]))
        try await f.ingest(at: Self.t0 + 12, body: Self.body(id: "n2", v: 1, extra: ["word": "epsilon"]))
        #expect(try await keys(second, "beta5") == [])
        #expect(try await keys(second, "gamma") == [])
        #expect(try await keys(second, "delta") == ["n1"])
        #expect(try await keys(second, "epsilon") == ["n2"])
        #expect(try await store.indexPendingRecordSearch(limit: 100) == 0)
    }
}

/// A reopened store keeps syncing its collections (and not a deleted one): which sources feed
/// collections is read from the database, not kept by the process.
@Suite struct ReopenedStoreCollectionTests {
    @Test func aReopenedStoreKeepsSyncingItsCollections() async throws {
        let directory = TemporaryDirectory.make(prefix: "hookstream-store")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/store.sqlite"
        var f = try await StoreFixture.make(try SQLStore(path: path))
        let c = RecordCollection(
            id: ResourceID.make(.collection), tenant: f.tenant, name: "Orders", slug: "orders", sourceID: f.source.id, primaryKeyPath: "id",
            timestampPath: "at", createdAt: StoreFixture.t0, updatedAt: StoreFixture.t0)
        try await f.store.createCollection(c)
        let removed = RecordCollection(
            id: ResourceID.make(.collection), tenant: f.tenant, name: "Gone", slug: "gone", sourceID: f.source.id, primaryKeyPath: "id",
            createdAt: StoreFixture.t0, updatedAt: StoreFixture.t0)
        try await f.store.createCollection(removed)
        try await f.store.deleteCollection(id: removed.id, tenant: f.tenant, at: StoreFixture.t0)

        f = StoreFixture(store: try SQLStore(path: path), tenant: f.tenant, source: f.source, destination: f.destination, connection: f.connection)
        try await f.ingest(body: #"{"id": "o1", "at": 1780000000}"#)
        let record = try #require(try await f.store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1"))
        #expect(record.sourceEventAt == 1_780_000_000_000, "the timestamp path came back too")
        #expect(try #require(try await f.store.collection(id: c.id, tenant: f.tenant)).stats.recordCount == 1)
        #expect(try await f.store.purgeDeletedCollections(limit: 10) == 0, "the deleted collection got nothing")
    }

}
