import Foundation
import HookstreamCore
import HookstreamStore
import JSONValue
import Testing

/// The backfill half of `CollectionStore`, run against every backend: a collection created
/// after its source's events, backfilled, equals one that synced them live; one backfill at a
/// time; a batch applies once.
@Suite struct CollectionBackfillConformanceTests {
    static let t0 = StoreFixture.t0

    private static func collection(_ f: StoreFixture, slug: String) -> RecordCollection {
        RecordCollection(
            id: ResourceID.make(.collection), tenant: f.tenant, name: slug, slug: slug, sourceID: f.source.id, primaryKeyPath: "data.id",
            timestampPath: "created", createdAt: t0, updatedAt: t0)
    }

    private static func body(_ id: String?, v: Int, created: Int) -> String {
        var data: JSONObject = ["v": .number(Double(v))]
        if let id { data["id"] = .string(id) }
        return JSON.object(["created": .number(Double(created)), "data": .object(data)]).serialized()
    }

    /// Runs the backfill batch by batch, as the server's backfiller does.
    private static func runToEnd(_ store: any Store, _ started: CollectionBackfill, batch: Int) async throws -> CollectionBackfill {
        var backfill = started
        while backfill.status == .running {
            let events = try await store.collectionBackfillEvents(backfill, limit: batch)
            backfill = try await store.applyCollectionBackfill(backfill, events: events, at: t0 + 1_000)
        }
        return backfill
    }

    private static func state(_ store: any Store, _ c: RecordCollection) async throws -> (records: [String], stats: RecordCollection.Stats) {
        let records = try await store.collectionRecords(collectionID: c.id, tenant: c.tenant, search: nil, beforeID: nil, limit: 100).items
        let stats = try #require(try await store.collection(id: c.id, tenant: c.tenant)).stats
        return (records.map { "\($0.key) \($0.eventID) \($0.sourceEventAt) \($0.data)" }.sorted(), stats)
    }

    @Test(arguments: StoreBackend.all)
    func aBackfillEqualsLiveSyncOfTheSameEvents(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let live = Self.collection(f, slug: "live")
        try await store.createCollection(live)
        // Out of order by the provider's timestamp, a tie, an event without a key, a repeat.
        let plan: [(String?, Int, Int)] = [("a", 1, 300), ("b", 1, 100), ("a", 2, 200), ("b", 2, 100), (nil, 0, 50), ("c", 1, 10), ("a", 3, 400)]
        for (i, (id, v, created)) in plan.enumerated() { try await f.ingest(at: Self.t0 + Int64(i), body: Self.body(id, v: v, created: created)) }
        let first = IncomingEvent(event: f.event(at: Self.t0 + 20, body: Self.body("d", v: 1, created: 5)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        let repeated = IncomingEvent(event: f.event(at: Self.t0 + 21, body: Self.body("d", v: 2, created: 6)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        _ = try await store.insertEvents([first, repeated])

        let backfilled = Self.collection(f, slug: "backfilled")
        try await store.createCollection(backfilled)
        let started = try await store.startCollectionBackfill(collectionID: backfilled.id, tenant: f.tenant, at: Self.t0 + 500)
        #expect(started.status == .running && started.total == 8 && started.progress == 0, "the repeat dedup caught is not counted")
        // One at a time per collection.
        await #expect(throws: StoreError.self) { try await store.startCollectionBackfill(collectionID: backfilled.id, tenant: f.tenant, at: Self.t0 + 501) }
        // An event after the start is synced live, not by the backfill.
        try await f.ingest(at: Self.t0 + 600, body: Self.body("e", v: 1, created: 1))

        let done = try await Self.runToEnd(store, started, batch: 3)
        #expect(done.status == .completed && done.progress == 8 && done.completedAt == Self.t0 + 1_000)
        let (liveState, backfilledState) = (try await Self.state(store, live), try await Self.state(store, backfilled))
        #expect(backfilledState.records == liveState.records)
        #expect(backfilledState.stats.recordCount == liveState.stats.recordCount && liveState.stats.recordCount == 5)
        #expect(backfilledState.stats.changelogEntries == liveState.stats.changelogEntries)
        #expect(backfilledState.stats.skippedOlder == liveState.stats.skippedOlder && liveState.stats.skippedOlder == 1)
        #expect(backfilledState.stats.skippedNoKey == 1)
        #expect(try await store.latestCollectionBackfill(collectionID: backfilled.id, tenant: f.tenant) == done)
        #expect(try await store.runningCollectionBackfills().isEmpty)
        // Finished, it may run again; the second pass changes nothing.
        let again = try await store.startCollectionBackfill(collectionID: backfilled.id, tenant: f.tenant, at: Self.t0 + 2_000)
        #expect(again.total == 9)
        _ = try await Self.runToEnd(store, again, batch: 100)
        #expect(try await Self.state(store, backfilled).records == backfilledState.records)
    }

    @Test(arguments: StoreBackend.all)
    func aBatchAppliesOnceAndOnlyWhileTheBackfillRuns(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        for i in 0..<4 { try await f.ingest(at: Self.t0 + Int64(i), body: Self.body("k\(i % 2)", v: i, created: i)) }
        let c = Self.collection(f, slug: "c")
        try await store.createCollection(c)
        let started = try await store.startCollectionBackfill(collectionID: c.id, tenant: f.tenant, at: Self.t0)
        #expect(try await store.runningCollectionBackfills().map(\.id) == [started.id])
        let events = try await store.collectionBackfillEvents(started, limit: 2)
        #expect(events.count == 2)
        let advanced = try await store.applyCollectionBackfill(started, events: events, at: Self.t0 + 1)
        #expect(advanced.progress == 2 && advanced.cursor == events.last?.id)
        // The same batch again (a second runner, a retry after a lost answer): nothing applied.
        #expect(try await store.applyCollectionBackfill(started, events: events, at: Self.t0 + 2) == advanced)
        #expect(try #require(try await store.collection(id: c.id, tenant: f.tenant)).stats.changelogEntries == 2)
        #expect(try await store.collectionBackfillEvents(advanced, limit: 10).count == 2, "the rest, after the cursor")

        // Another tenant sees neither the collection's backfill nor can start one.
        let theirs = try await StoreFixture.otherTenant(store)
        #expect(try await store.latestCollectionBackfill(collectionID: c.id, tenant: theirs) == nil)
        await #expect(throws: StoreError.self) { try await store.startCollectionBackfill(collectionID: c.id, tenant: theirs, at: Self.t0) }

        // The collection deleted mid-way: the next batch fails the backfill instead of applying.
        try await store.deleteCollection(id: c.id, tenant: f.tenant, at: Self.t0 + 3)
        let failed = try await store.applyCollectionBackfill(advanced, events: try await store.collectionBackfillEvents(advanced, limit: 10), at: Self.t0 + 4)
        #expect(failed.status == .failed && failed.error != nil && failed.completedAt == Self.t0 + 4 && failed.progress == 2)
        #expect(try await store.runningCollectionBackfills().isEmpty)
    }

    @Test(arguments: StoreBackend.all)
    func aSourceWithoutEventsCompletesAtOnceAndFailingStopsIt(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f, slug: "empty")
        try await store.createCollection(c)
        let started = try await store.startCollectionBackfill(collectionID: c.id, tenant: f.tenant, at: Self.t0)
        #expect(started.total == 0 && started.throughEventID == nil)
        #expect(try await store.collectionBackfillEvents(started, limit: 10).isEmpty)
        #expect(try await Self.runToEnd(store, started, batch: 10).status == .completed)

        let next = try await store.startCollectionBackfill(collectionID: c.id, tenant: f.tenant, at: Self.t0 + 1)
        try await store.failCollectionBackfill(next, reason: "disk on fire", at: Self.t0 + 2)
        let failed = try #require(try await store.latestCollectionBackfill(collectionID: c.id, tenant: f.tenant))
        #expect(failed.id == next.id && failed.status == .failed && failed.error == "disk on fire")
        #expect(try await store.applyCollectionBackfill(next, events: [], at: Self.t0 + 3).status == .failed, "a failed backfill stays failed")
    }
}
