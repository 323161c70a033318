import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The archive half of the `Store` contract (``EventArchiveStore``), on every backend: what is
/// archivable, the all-or-nothing delete, the day index per tenant, and restore.
@Suite struct EventArchiveStoreConformanceTests {
    static let t0 = StoreFixture.t0
    static let day = ArchiveDay(containing: t0)
    static let cutoff = day.endMillis
    /// No restore is recent enough to matter unless a test says so.
    static let longAgo: Int64 = 0

    static func window(_ f: StoreFixture) -> ArchiveWindow {
        ArchiveWindow(organizationID: f.tenant.organizationID, day: day, from: day.startMillis, until: day.endMillis, limit: 100)
    }

    @Test(arguments: StoreBackend.all)
    func onlyEventsWithNothingLeftToDeliverAreArchivable(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let paused = try await StoreFixture.make(store, tenant: f.tenant, sourceStatus: .paused)
        _ = try await f.ingest(at: Self.t0, routed: true)  // a pending delivery
        _ = try await paused.ingest(at: Self.t0 + 1, routed: true)  // held by its paused source
        let (unrouted, _) = try await f.ingest(at: Self.t0 + 2, routed: false)
        _ = try await f.ingest(at: Self.cutoff, routed: false)  // not before the cutoff

        let candidate = try await store.oldestArchivableEvent(before: Self.cutoff, restoredBefore: Self.longAgo)
        #expect(candidate == ArchiveCandidate(organizationID: f.tenant.organizationID, receivedAt: Self.t0 + 2))
        let records = try await store.archivableEvents(in: Self.window(f), restoredBefore: Self.longAgo)
        #expect(records.map(\.eventID) == [unrouted.id])
        #expect(records[0].body == Array("{}".utf8))
        #expect(records[0].columns["status"] == "received")
        #expect(records[0].columns["body"] == nil, "the body travels apart from the columns")
        #expect(try await store.oldestArchivableEvent(before: Self.t0 + 2, restoredBefore: Self.longAgo) == nil)
    }

    @Test(arguments: StoreBackend.all)
    func aCommittedBatchIsGoneAndCountedForItsTenantOnly(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let other = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        let (a, _) = try await f.ingest(at: Self.t0, routed: false)
        let (b, _) = try await f.ingest(at: Self.t0 + 1, routed: false)
        let records = try await store.archivableEvents(in: Self.window(f), restoredBefore: Self.longAgo)
        let journal = try await store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: Self.day, fileOffset: 42, at: Self.cutoff)
        #expect(try await store.interruptedArchiveBatches().map(\.state) == [.appending])
        #expect(try await store.interruptedArchiveBatches().first?.fileOffset == 42)

        try await store.commitArchiveBatch(journalID: journal, records: records, restoredBefore: Self.longAgo, at: Self.cutoff)
        #expect(try await store.event(id: a.id, tenant: f.tenant) == nil)
        #expect(try await store.existingEventIDs([a.id, b.id]).isEmpty)
        #expect(try await store.interruptedArchiveBatches().map(\.state) == [.deleted], "blob removal is still owed")
        try await store.finishArchiveBatch(journalID: journal)
        #expect(try await store.interruptedArchiveBatches().isEmpty)

        let days = try await store.archivedDays(tenant: f.tenant)
        #expect(days.map(\.day) == [Self.day])
        #expect(days.map(\.eventCount) == [2])
        #expect(try await store.archivedDay(tenant: f.tenant, day: Self.day)?.lastRestoredAt == nil)
        #expect(try await store.archivedDays(tenant: other.tenant).isEmpty)
        #expect(try await store.archivedDay(tenant: other.tenant, day: Self.day) == nil)
    }

    @Test(arguments: StoreBackend.all)
    func aBatchWhoseEventGotADeliveryDeletesNothing(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let (a, _) = try await f.ingest(at: Self.t0, routed: false)
        let (b, _) = try await f.ingest(at: Self.t0 + 1, routed: false)
        let records = try await store.archivableEvents(in: Self.window(f), restoredBefore: Self.longAgo)
        _ = try await store.requeueEvent(id: b.id, tenant: f.tenant, routes: [f.route], now: Self.cutoff)
        let journal = try await store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: Self.day, fileOffset: 0, at: Self.cutoff)
        await #expect(throws: ArchiveConflict.self) {
            try await store.commitArchiveBatch(journalID: journal, records: records, restoredBefore: Self.longAgo, at: Self.cutoff)
        }
        #expect(try await store.existingEventIDs([a.id, b.id]) == [a.id, b.id])
        #expect(try await store.archivedDays(tenant: f.tenant).isEmpty)
        #expect(try await store.interruptedArchiveBatches().map(\.state) == [.appending])
    }

    @Test(arguments: StoreBackend.all)
    func restoreInsertsWhatWasArchivedOnceAndHoldsItForARetention(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let (a, _) = try await f.ingest(at: Self.t0, body: #"{"x":1}"#, routed: false)
        let original = try #require(try await store.event(id: a.id, tenant: f.tenant))
        let records = try await store.archivableEvents(in: Self.window(f), restoredBefore: Self.longAgo)
        let journal = try await store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: Self.day, fileOffset: 0, at: Self.cutoff)
        try await store.commitArchiveBatch(journalID: journal, records: records, restoredBefore: Self.longAgo, at: Self.cutoff)
        try await store.finishArchiveBatch(journalID: journal)

        let restoredAt = Self.cutoff + 10
        #expect(try await store.restoreArchivedEvents(records, day: Self.day, at: restoredAt) == 1)
        #expect(try await store.restoreArchivedEvents(records, day: Self.day, at: restoredAt) == 0, "already present")
        #expect(try await store.event(id: a.id, tenant: f.tenant)?.event == original.event)
        #expect(try await store.archivedDay(tenant: f.tenant, day: Self.day)?.lastRestoredAt == restoredAt)
        // Restored at `restoredAt`: due again only for a run whose restore horizon is past it.
        #expect(try await store.oldestArchivableEvent(before: Self.cutoff, restoredBefore: restoredAt) == nil)
        #expect(try await store.oldestArchivableEvent(before: Self.cutoff, restoredBefore: restoredAt + 1) != nil)
        // Archiving it again does not count it twice.
        let again = try await store.archivableEvents(in: Self.window(f), restoredBefore: restoredAt + 1)
        let second = try await store.beginArchiveBatch(organizationID: f.tenant.organizationID, day: Self.day, fileOffset: 0, at: restoredAt + 1)
        try await store.commitArchiveBatch(journalID: second, records: again, restoredBefore: restoredAt + 1, at: restoredAt + 1)
        #expect(try await store.archivedDay(tenant: f.tenant, day: Self.day)?.eventCount == 1)
    }
}
