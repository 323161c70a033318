import Foundation
import HookstreamCore
import HookstreamStore
import JSONValue
import Logging
import Synchronization
import Testing

/// Live sync's half in the store: every stored event's outcome names the records it created or
/// replaced (what the `collections:<id>` channel announces once the batch commits), and
/// nothing for an event that changed no record.
@Suite struct CollectionSyncConformanceTests {
    static let t0 = StoreFixture.t0

    private static func collection(_ f: StoreFixture, slug: String, timestampPath: String? = nil) -> RecordCollection {
        RecordCollection(
            id: ResourceID.make(.collection), tenant: f.tenant, name: slug, slug: slug, sourceID: f.source.id, primaryKeyPath: "data.id",
            timestampPath: timestampPath, createdAt: t0, updatedAt: t0)
    }

    private static func body(_ id: String?, v: Int, t: Int) -> String {
        var data: JSONObject = ["v": .number(Double(v))]
        if let id { data["id"] = .string(id) }
        return JSON.object(["t": .number(Double(t)), "data": .object(data)]).serialized()
    }

    /// Each sync as `collection action event`, sorted (collections of a source have no order).
    private static func summary(_ outcome: IngestOutcome) -> [String] {
        outcome.recordSyncs.map { "\($0.record.collectionID) \($0.action.rawValue) \($0.record.eventID)" }.sorted()
    }

    @Test(arguments: StoreBackend.all)
    func outcomesNameTheRecordsEachEventCreatedOrReplaced(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let byArrival = Self.collection(f, slug: "by-arrival")
        let byTime = Self.collection(f, slug: "by-time", timestampPath: "t")
        try await store.createCollection(byArrival)
        try await store.createCollection(byTime)

        // One batch: a creates; b is newer by arrival but older by its payload time; c has no
        // key; d repeats a (dedup).
        let a = IncomingEvent(event: f.event(at: Self.t0, body: Self.body("o1", v: 1, t: 200)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        let b = IncomingEvent(event: f.event(at: Self.t0 + 1, body: Self.body("o1", v: 2, t: 100)))
        let c = IncomingEvent(event: f.event(at: Self.t0 + 2, body: Self.body(nil, v: 3, t: 300)))
        let d = IncomingEvent(event: f.event(at: Self.t0 + 3, body: Self.body("o1", v: 4, t: 400)), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 60_000)
        let outcomes = try await store.insertEvents([a, b, c, d])
        let (ea, eb) = (a.event.id, b.event.id)
        #expect(Self.summary(outcomes[0]) == ["\(byArrival.id) created \(ea)", "\(byTime.id) created \(ea)"].sorted())
        #expect(Self.summary(outcomes[1]) == ["\(byArrival.id) updated \(eb)"], "skipped in by-time: announced nowhere")
        #expect(outcomes[2].recordSyncs.isEmpty && outcomes[3].recordSyncs.isEmpty, "no key; a duplicate")

        let created = try #require(outcomes[0].recordSyncs.first { $0.record.collectionID == byArrival.id })
        let updated = try #require(outcomes[1].recordSyncs.first)
        #expect(created.tenant == f.tenant && updated.tenant == f.tenant && updated.channel == "collections:\(byArrival.id)")
        #expect(updated.record.id == created.record.id && updated.record.createdAt == Self.t0, "the record keeps its ID and creation")
        #expect(updated.record == (try await store.collectionRecord(collectionID: byArrival.id, tenant: f.tenant, key: "o1")))

        // A source without collections pays nothing and announces nothing.
        let plain = try await StoreFixture.make(store, tenant: f.tenant)
        #expect(try await plain.ingest(at: Self.t0 + 4, body: Self.body("o1", v: 5, t: 500)).outcome.recordSyncs.isEmpty)
    }

    /// Nodes sharing a PostgreSQL database write the same records at the same time: each
    /// record still ends as the newest event made it, every event is in the changelog once,
    /// and a collection created through one node is synced by all of them.
    @Test(arguments: [StoreBackend.postgres])
    func nodesSharingADatabaseKeepLastWriteWinsOnEveryRecord(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(3)
        let f = try await StoreFixture.make(nodes[0])
        let c = Self.collection(f, slug: "shared", timestampPath: "t")
        try await nodes[1].createCollection(c)
        // Each node sends 20 batches of 10 events about 5 keys, payload times unique across
        // the nodes: node 0 ascending, node 1 descending, node 2 interleaving both ends.
        let ascending: [Int] = (0..<200).map { $0 * 3 }
        let descending: [Int] = (0..<200).reversed().map { $0 * 3 + 1 }
        let bothEnds: [Int] = (0..<200).map { i in (i % 2 == 0 ? i / 2 : 199 - i / 2) * 3 + 2 }
        let times = [ascending, descending, bothEnds]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, node) in nodes.enumerated() {
                group.addTask {
                    for round in 0..<20 {
                        let batch = (0..<10).map { i in
                            let t = times[n][round * 10 + i]
                            return IncomingEvent(event: f.event(at: Self.t0 + Int64(t), body: Self.body("o\(t % 5)", v: t, t: t)))
                        }
                        _ = try await node.insertEvents(batch)
                    }
                }
            }
            try await group.waitForAll()
        }
        for node in nodes {
            let stats = try #require(try await node.collection(id: c.id, tenant: f.tenant)).stats
            #expect(stats.recordCount == 5 && stats.changelogEntries == 600 && stats.skippedNoKey == 0)
            for k in 0..<5 {
                let newest = (0..<600).filter { $0 % 5 == k }.max()!
                let record = try #require(try await node.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o\(k)"))
                #expect(record.sourceEventAt == Int64(newest) * 1000, "o\(k) holds the newest event (`t` is in seconds)")
            }
        }
        let skipped = try #require(try await nodes[2].collection(id: c.id, tenant: f.tenant)).stats.skippedOlder
        let changelog = try await nodes[0].collectionChangelog(collectionID: c.id, tenant: f.tenant, key: "o0", beforeID: nil, limit: 500).items
        #expect(changelog.count == 120 && changelog.filter { $0.action == .created }.count == 1)
        #expect(skipped > 0, "concurrent nodes delivered older events after newer ones")
    }

    /// Ingest's writer hands every committed batch's outcomes to its `committed` hook before it
    /// answers the batch's callers: the point where live sync is announced.
    @Test(arguments: StoreBackend.all)
    func theIngestWriterHandsOverEachBatchOnceCommittedBeforeAnswering(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let c = Self.collection(f, slug: "c")
        try await store.createCollection(c)
        let seen = Mutex<[[IngestOutcome]]>([])
        let writer = IngestWriter(store: store, logger: Logger(label: "test")) { outcomes in seen.withLock { $0.append(outcomes) } }

        let first = try await writer.submit(IncomingEvent(event: f.event(at: Self.t0, body: Self.body("o1", v: 1, t: 1))))
        #expect(seen.withLock { $0 } == [[first]], "told before the caller was answered")
        let second = try await writer.submit(IncomingEvent(event: f.event(at: Self.t0 + 1, body: Self.body("o1", v: 2, t: 2))))
        #expect(seen.withLock { $0 } == [[first], [second]])
        #expect(second.recordSyncs.map(\.action) == [.updated])
        #expect(second.recordSyncs.first?.record == (try await store.collectionRecord(collectionID: c.id, tenant: f.tenant, key: "o1")))
    }
}
