import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The contract of ``ChangeCaptureStore`` on every backend: a database source is created with
/// its capture state in one step, and captured events commit together with the confirmed LSN,
/// exactly once.
@Suite struct ChangeCaptureStoreConformanceTests {
    static let t0 = StoreFixture.t0

    /// A database source routed to the fixture's destination.
    private func databaseSource(_ store: any Store, status: Source.Status = .active) async throws -> (StoreFixture, CaptureState) {
        var f = try await StoreFixture.make(store)
        let source = Source(
            id: ResourceID.make(.source), tenant: f.tenant, name: "Shop DB", slug: "shop-db-\(UUID().uuidString.prefix(8).lowercased())",
            status: status, createdAt: Self.t0, updatedAt: Self.t0)
        let capture = CaptureState(
            sourceID: source.id, sealedConnectionURI: "sealed", tables: ["public.orders"],
            slotName: CaptureState.replicationName(sourceID: source.id), publicationName: CaptureState.replicationName(sourceID: source.id))
        try await store.createDatabaseSource(source, capture: capture)
        let connection = Connection(
            id: ResourceID.make(.connection), tenant: f.tenant, name: nil, sourceID: source.id, destinationID: f.destination.id,
            createdAt: Self.t0, updatedAt: Self.t0)
        try await store.createConnection(connection)
        f.source = source
        f.connection = connection
        return (f, capture)
    }

    @Test(arguments: StoreBackend.all)
    func aDatabaseSourceIsASourceWithItsCaptureState(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (f, capture) = try await databaseSource(store)
        #expect(try await store.source(id: f.source.id, tenant: f.tenant)?.name == "Shop DB")
        #expect(try await store.source(id: f.source.id, tenant: f.tenant)?.kind == .postgresql)
        let webhook = try await StoreFixture.makeSource(store, tenant: f.tenant)
        #expect(try await store.source(id: webhook.id, tenant: f.tenant)?.kind == .webhook)
        #expect(try await store.captureState(sourceID: f.source.id) == capture)
        #expect(try await store.captureStates().map(\.sourceID) == [f.source.id])
        #expect(capture.slotName.hasPrefix("hookstream_") && !capture.slotName.contains("src"))

        try await store.recordCaptureError(sourceID: f.source.id, message: "connection refused", at: Self.t0 + 5)
        #expect(try await store.captureState(sourceID: f.source.id)?.lastError == "connection refused")
        #expect(try await store.captureState(sourceID: f.source.id)?.lastErrorAt == Self.t0 + 5)
        try await store.recordCaptureError(sourceID: f.source.id, message: nil, at: Self.t0 + 6)
        #expect(try await store.captureState(sourceID: f.source.id)?.lastError == nil)

        try await store.deleteSource(id: f.source.id, tenant: f.tenant, at: Self.t0 + 7)
        #expect(try await store.captureState(sourceID: f.source.id) == nil)
        #expect(try await store.captureStates().isEmpty)
    }

    @Test(arguments: StoreBackend.all)
    func capturedEventsCommitWithTheLSNExactlyOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (f, _) = try await databaseSource(store)
        func transaction(_ end: UInt64, _ bodies: [String]) -> CapturedTransaction {
            CapturedTransaction(endLSN: end, events: bodies.map { IncomingEvent(event: f.event(body: $0), routes: [f.route]) })
        }
        func count() async throws -> Int { try await store.events(tenant: f.tenant, query: EventQuery(sourceID: f.source.id)).items.count }
        let first = [transaction(0x1D51990, [#"{"n":1}"#, #"{"n":2}"#]), transaction(0x1D52000, [#"{"n":3}"#])]

        let commit = try await store.commitCapture(first, sourceID: f.source.id)
        #expect(commit.outcomes.map(\.eventID) == first.flatMap(\.events).map(\.event.id))
        #expect(commit.skipped == 0)
        for event in first.flatMap(\.events) { #expect(try await f.attempts(of: event.event.id).count == 1, "routed like an ingested event") }
        #expect(try await store.captureState(sourceID: f.source.id)?.confirmedLSN == 0x1D52000)
        #expect(try await store.captureState(sourceID: f.source.id)?.changesCaptured == 3)

        // The same transactions peeked again (a round that failed after the commit), now
        // followed by a new one: only the new one is stored.
        let again = [transaction(0x1D51990, [#"{"n":1}"#, #"{"n":2}"#]), transaction(0x1D52000, [#"{"n":3}"#]), transaction(0x2_0000_0010, [#"{"n":4}"#])]
        let second = try await store.commitCapture(again, sourceID: f.source.id)
        #expect(second.skipped == 2)
        #expect(second.outcomes.map(\.eventID) == [again[2].events[0].event.id])
        #expect(try await count() == 4)
        // An LSN past 2^32 (the high half) is kept whole.
        #expect(try await store.captureState(sourceID: f.source.id)?.confirmedLSN == 0x2_0000_0010)

        // Everything old: nothing stored, nothing moved.
        let stale = try await store.commitCapture([transaction(0x1D51000, [#"{"n":0}"#])], sourceID: f.source.id)
        #expect(stale == CaptureCommit(outcomes: [], skipped: 1))
        #expect(try await count() == 4)
        #expect(try await store.captureState(sourceID: f.source.id)?.confirmedLSN == 0x2_0000_0010)
        #expect(try await store.source(id: f.source.id, tenant: f.tenant)?.eventCount == 4)
    }

    @Test(arguments: StoreBackend.all)
    func aPausedDatabaseSourceHoldsWhatItCaptures(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (f, _) = try await databaseSource(store, status: .paused)
        let event = f.event()
        let commit = try await store.commitCapture([CapturedTransaction(endLSN: 10, events: [IncomingEvent(event: event, routes: [f.route])])], sourceID: f.source.id)
        #expect(commit.outcomes == [IngestOutcome(eventID: event.id, duplicate: false, held: true)])
        #expect(try await f.attempts(of: event.id).isEmpty)
    }
}
