import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The contract of the `Store` protocol, run against every backend in ``StoreBackend/all``:
/// tenant isolation, the group commit with deduplication, routing written with the event,
/// paging, soft deletes, the delivery claim order and paused sources' held events.
@Suite struct StoreConformanceTests {
    static let t0 = StoreFixture.t0

    // MARK: Tenant isolation

    @Test(arguments: StoreBackend.all)
    func anotherTenantsRowsDoNotExist(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let mine = try await StoreFixture.make(store)
        let theirs = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        let (event, _) = try await theirs.ingest()

        #expect(try await store.source(id: theirs.source.id, tenant: mine.tenant) == nil)
        #expect(try await store.source(id: theirs.source.id, tenant: theirs.tenant) != nil)
        #expect(try await store.sources(tenant: mine.tenant, status: nil, beforeID: nil, limit: 50).items.map(\.id) == [mine.source.id])
        #expect(try await store.destination(id: theirs.destination.id, tenant: mine.tenant) == nil)
        #expect(try await store.connection(id: theirs.connection.id, tenant: mine.tenant) == nil)
        #expect(try await store.event(id: event.id, tenant: mine.tenant) == nil)
        #expect(try await store.event(id: event.id, tenant: theirs.tenant)?.event.id == event.id)
        #expect(try await store.events(tenant: mine.tenant, query: EventQuery()).items.isEmpty)
        #expect(try await store.deliveryAttempts(tenant: mine.tenant, query: AttemptQuery()).total == 0)

        // Writes addressed through the wrong tenant find nothing and change nothing.
        var renamed = theirs.source
        renamed.tenant = mine.tenant
        renamed.name = "stolen"
        await #expect(throws: StoreError.self) { try await store.updateSource(renamed) }
        await #expect(throws: StoreError.self) { try await store.deleteSource(id: theirs.source.id, tenant: mine.tenant, at: Self.t0) }
        await #expect(throws: StoreError.self) { try await store.deleteDestination(id: theirs.destination.id, tenant: mine.tenant, at: Self.t0) }
        await #expect(throws: StoreError.self) { try await store.requeueEvent(id: event.id, tenant: mine.tenant, routes: [], now: Self.t0) }
        #expect(try await store.source(id: theirs.source.id, tenant: theirs.tenant)?.name == "Shop")
        #expect(try await store.destination(id: theirs.destination.id, tenant: theirs.tenant) != nil)
    }

    // MARK: Group commit and deduplication

    @Test(arguments: StoreBackend.all)
    func duplicatesInOneBatchAndAcrossBatchesAnswerTheOriginal(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let window: Int64 = 60_000
        func keyed(_ at: Int64, key: String = "k1") -> IncomingEvent {
            IncomingEvent(event: f.event(at: at), dedupKeyHash: key, dedupExpiresAt: at + window, routes: [f.route])
        }
        let first = [keyed(Self.t0), keyed(Self.t0), keyed(Self.t0, key: "k2")]
        let outcomes = try await store.insertEvents(first)
        #expect(outcomes.map(\.duplicate) == [false, true, false])
        #expect(outcomes[0].eventID == first[0].event.id)
        #expect(outcomes[1].eventID == first[0].event.id, "a duplicate is answered with the original's ID")
        #expect(outcomes[2].eventID == first[2].event.id)

        // The duplicate is stored, marked, and routed nowhere.
        let duplicate = try #require(try await store.event(id: first[1].event.id, tenant: f.tenant)?.event)
        #expect(duplicate.dedupStatus == .duplicate)
        #expect(duplicate.status == .received)
        #expect(try await f.attempts(of: duplicate.id).isEmpty)
        #expect(try await f.attempts(of: first[0].event.id).count == 1)

        // Still inside the window in a later batch: duplicate. At its end: a new original.
        let later = try await store.insertEvents([keyed(Self.t0 + window - 1)])
        #expect(later == [IngestOutcome(eventID: first[0].event.id, duplicate: true)])
        let afterWindow = keyed(Self.t0 + window)
        let stored = try await store.insertEvents([afterWindow])
        #expect(stored.map(\.eventID) == [afterWindow.event.id] && stored.map(\.duplicate) == [false])
    }

    @Test(arguments: StoreBackend.all)
    func purgingForgetsOnlyKeysWhoseWindowClosed(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let original = IncomingEvent(event: f.event(), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 1000)
        _ = try await store.insertEvents([original])
        // A purge before the window's end keeps the key: a repeat is still a duplicate.
        try await store.purgeExpiredDedupKeys(now: Self.t0 + 999)
        let repeat1 = IncomingEvent(event: f.event(at: Self.t0 + 500), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 1500)
        #expect(try await store.insertEvents([repeat1]).first?.duplicate == true)
        // A purge at the window's end forgets it, so even a repeat stamped inside the old
        // window is an original now.
        try await store.purgeExpiredDedupKeys(now: Self.t0 + 1000)
        let repeat2 = IncomingEvent(event: f.event(at: Self.t0 + 600), dedupKeyHash: "k", dedupExpiresAt: Self.t0 + 1600)
        #expect(try await store.insertEvents([repeat2]) == [IngestOutcome(eventID: repeat2.event.id, duplicate: false)])
    }

    // MARK: Routing written with the event

    @Test(arguments: StoreBackend.all)
    func pendingAttemptsAreWrittenWithTheEvent(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let (routed, _) = try await f.ingest(at: Self.t0 + 5)
        let attempts = try await f.attempts(of: routed.id)
        #expect(attempts.count == 1)
        #expect(attempts.first?.status == .pending)
        #expect(attempts.first?.attemptNumber == 1)
        #expect(attempts.first?.destinationID == f.destination.id)
        #expect(attempts.first?.connectionID == f.connection.id)
        #expect(attempts.first?.scheduledAt == Self.t0 + 5)
        #expect(try await store.event(id: routed.id, tenant: f.tenant)?.event.status == .processing)

        let (unrouted, _) = try await f.ingest(routed: false)
        #expect(try await f.attempts(of: unrouted.id).isEmpty)
        #expect(try await store.event(id: unrouted.id, tenant: f.tenant)?.event.status == .received)

        // A route to a destination deleted since routing was decided gets nothing.
        try await store.deleteDestination(id: f.destination.id, tenant: f.tenant, at: Self.t0)
        let (late, _) = try await f.ingest()
        #expect(try await f.attempts(of: late.id).isEmpty)
        #expect(try await store.event(id: late.id, tenant: f.tenant)?.event.status == .received)
        #expect(try await store.source(id: f.source.id, tenant: f.tenant)?.eventCount == 3)
    }

    // MARK: Paging

    @Test(arguments: StoreBackend.all)
    func eventsPageNewestFirstWithCursorsAndTotals(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        var ids: [String] = []
        for n in 0..<5 { ids.append(try await f.ingest(at: Self.t0 + Int64(n), routed: false).event.id) }
        let newestFirst = Array(ids.reversed())

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.events(tenant: f.tenant, query: EventQuery(beforeID: cursor, limit: 2))
            #expect(page.total == 5)
            seen += page.items.map(\.event.id)
            #expect(page.hasMore == (seen.count < 5))
            cursor = page.nextAfterID
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == newestFirst)
        #expect(pages == 3)

        let window = try await store.events(
            tenant: f.tenant, query: EventQuery(receivedAfter: Self.t0 + 1, receivedBefore: Self.t0 + 3))
        #expect(window.items.map(\.event.id) == [ids[3], ids[2], ids[1]])
        #expect(try await store.events(tenant: f.tenant, query: EventQuery(sourceID: "src_" + String(repeating: "0", count: 32))).items.isEmpty)
    }

    @Test(arguments: StoreBackend.all)
    func sourcesPageNewestFirstAndFilterByStatus(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let tenant = try await StoreFixture.defaultTenant(store)
        var ids: [String] = []
        for n in 0..<3 { ids.append(try await StoreFixture.makeSource(store, tenant: tenant, status: n == 1 ? .paused : .active).id) }
        let first = try await store.sources(tenant: tenant, status: nil, beforeID: nil, limit: 2)
        #expect(first.items.map(\.id) == [ids[2], ids[1]])
        #expect(first.hasMore)
        let second = try await store.sources(tenant: tenant, status: nil, beforeID: first.nextAfterID, limit: 2)
        #expect(second.items.map(\.id) == [ids[0]])
        #expect(!second.hasMore)
        #expect(second.nextAfterID == nil)
        #expect(try await store.sources(tenant: tenant, status: .paused, beforeID: nil, limit: 10).items.map(\.id) == [ids[1]])
    }

    // MARK: CRUD and soft delete

    @Test(arguments: StoreBackend.all)
    func sourcesUpdateAndSoftDelete(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let (event, _) = try await f.ingest()
        var source = f.source
        source.name = "Renamed"
        source.status = .paused
        source.dedupWindowSeconds = 60
        source.updatedAt = Self.t0 + 1
        try await store.updateSource(source)
        let read = try #require(try await store.source(id: source.id, tenant: f.tenant))
        #expect(read.name == "Renamed" && read.status == .paused && read.dedupWindowSeconds == 60 && read.updatedAt == Self.t0 + 1)
        #expect(read.eventCount == 1)

        await #expect(throws: StoreError.self) { try await StoreFixture.makeSource(store, tenant: f.tenant, slug: f.source.slug) }

        try await store.deleteSource(id: source.id, tenant: f.tenant, at: Self.t0 + 2)
        #expect(try await store.source(id: source.id, tenant: f.tenant) == nil)
        #expect(try await store.source(id: source.id) == nil)
        #expect(try await store.sources(tenant: f.tenant, status: nil, beforeID: nil, limit: 10).items.isEmpty)
        await #expect(throws: StoreError.self) { try await store.deleteSource(id: source.id, tenant: f.tenant, at: Self.t0 + 3) }
        // Its events stay readable; its slug is free again.
        #expect(try await store.event(id: event.id, tenant: f.tenant)?.sourceName == "Renamed")
        #expect(try await StoreFixture.makeSource(store, tenant: f.tenant, slug: f.source.slug).slug == f.source.slug)
    }

    @Test(arguments: StoreBackend.all)
    func destinationsAndConnectionsUpdateAndSoftDelete(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        var destination = f.destination
        destination.url = "http://127.0.0.1:10/hook"
        destination.status = .paused
        try await store.updateDestination(destination)
        let readDestination = try #require(try await store.destination(id: destination.id, tenant: f.tenant))
        #expect(readDestination.url == "http://127.0.0.1:10/hook" && readDestination.status == .paused)

        var connection = f.connection
        connection.name = "orders"
        try await store.updateConnection(connection)
        let stored = try #require(try await store.connection(id: connection.id, tenant: f.tenant))
        #expect(stored.connection.name == "orders")
        #expect(stored.sourceName == "Shop" && stored.destinationName == "Receiver")
        #expect(try await store.activeConnections(sourceID: f.source.id).map(\.id) == [connection.id])
        #expect(try await store.connections(tenant: f.tenant, sourceID: f.source.id, destinationID: nil, beforeID: nil, limit: 10).items.count == 1)

        try await store.deleteConnection(id: connection.id, tenant: f.tenant, at: Self.t0)
        #expect(try await store.connection(id: connection.id, tenant: f.tenant) == nil)
        #expect(try await store.activeConnections(sourceID: f.source.id).isEmpty)
        try await store.deleteDestination(id: destination.id, tenant: f.tenant, at: Self.t0)
        #expect(try await store.destination(id: destination.id, tenant: f.tenant) == nil)
        #expect(try await store.destinations(tenant: f.tenant, status: nil, type: nil, beforeID: nil, limit: 10).items.isEmpty)
        await #expect(throws: StoreError.self) { try await store.deleteDestination(id: destination.id, tenant: f.tenant, at: Self.t0) }
    }

    // MARK: Delivery claim

    @Test(arguments: StoreBackend.all)
    func claimTakesDueAttemptsOldestScheduleFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        // Received out of schedule order: the claim follows scheduled_at, not insertion.
        let late = try await f.ingest(at: Self.t0 + 30).event
        let early = try await f.ingest(at: Self.t0 + 10).event
        let middle = try await f.ingest(at: Self.t0 + 20).event
        let future = try await f.ingest(at: Self.t0 + 1000).event

        let batch = try await store.claimDue(destinationID: f.destination.id, now: Self.t0 + 100, limit: 10, excluding: [])
        #expect(batch.attempts.map(\.event.id) == [early.id, middle.id, late.id])
        #expect(batch.attempts.allSatisfy { $0.attempt.status == .pending })
        #expect(batch.nextDue == Self.t0 + 1000, "the next attempt not yet due")

        let limited = try await store.claimDue(destinationID: f.destination.id, now: Self.t0 + 100, limit: 2, excluding: [])
        #expect(limited.attempts.map(\.event.id) == [early.id, middle.id])
        #expect(limited.nextDue == Self.t0 + 100, "cut off by the limit: more is due now")

        let inFlight = Set(limited.attempts.map(\.attempt.id))
        let rest = try await store.claimDue(destinationID: f.destination.id, now: Self.t0 + 100, limit: 10, excluding: inFlight)
        #expect(rest.attempts.map(\.event.id) == [late.id])
        let all = try await store.claimDue(destinationID: f.destination.id, now: Self.t0 + 1000, limit: 10, excluding: [])
        #expect(all.attempts.last?.event.id == future.id)
        #expect(try await store.pendingDestinations() == [f.destination.id: Self.t0 + 10])
    }

    // MARK: Paused sources

    @Test(arguments: StoreBackend.all)
    func aPausedSourcesEventsAreHeldThenReleasedOnceInArrivalOrder(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store, sourceStatus: .paused)
        var held: [Event] = []
        for n in 0..<3 {
            let (event, outcome) = try await f.ingest(at: Self.t0 + Int64(n))
            #expect(outcome.held && !outcome.duplicate)
            held.append(event)
        }
        #expect(try await store.event(id: held[0].id, tenant: f.tenant)?.event.status == .held)
        #expect(try await f.attempts(of: held[0].id).isEmpty)
        #expect(try await store.heldEvents(sourceID: f.source.id, limit: 10).isEmpty, "nothing is released while paused")
        #expect(try await store.sourcesWithHeldEvents().isEmpty)

        var source = f.source
        source.status = .active
        try await store.updateSource(source)
        #expect(try await store.sourcesWithHeldEvents() == [f.source.id])
        #expect(try await store.heldEvents(sourceID: f.source.id, limit: 2).map(\.id) == [held[0].id, held[1].id])
        // While the backlog is being released a new event waits behind it.
        let (newcomer, newcomerOutcome) = try await f.ingest(at: Self.t0 + 10)
        #expect(newcomerOutcome.held)

        let releases = held.map { HeldRelease(eventID: $0.id, routes: [f.route]) }
        let applied = try await store.releaseHeldEvents(releases, now: Self.t0 + 50)
        #expect(applied.map(\.eventID) == held.map(\.id))
        #expect(try await store.releaseHeldEvents(releases, now: Self.t0 + 60).isEmpty, "a second release routes nothing twice")
        for event in held {
            let attempts = try await f.attempts(of: event.id)
            #expect(attempts.count == 1)
            #expect(attempts.first?.scheduledAt == event.receivedAt, "due at arrival, so delivery keeps arrival order")
            #expect(try await store.event(id: event.id, tenant: f.tenant)?.event.status == .processing)
        }
        #expect(try await store.heldEvents(sourceID: f.source.id, limit: 10).map(\.id) == [newcomer.id])
        _ = try await store.releaseHeldEvents([HeldRelease(eventID: newcomer.id, routes: [])], now: Self.t0 + 70)
        #expect(try await store.event(id: newcomer.id, tenant: f.tenant)?.event.status == .received)
        // Backlog gone: events route directly again.
        let (direct, directOutcome) = try await f.ingest(at: Self.t0 + 80)
        #expect(!directOutcome.held)
        #expect(try await f.attempts(of: direct.id).count == 1)
    }

    @Test(arguments: StoreBackend.all)
    func deletingAPausedSourceLetsGoOfItsHeldEvents(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store, sourceStatus: .paused)
        let (event, _) = try await f.ingest()
        try await store.deleteSource(id: f.source.id, tenant: f.tenant, at: Self.t0)
        #expect(try await store.event(id: event.id, tenant: f.tenant)?.event.status == .received)
        #expect(try await store.releaseHeldEvents([HeldRelease(eventID: event.id, routes: [f.route])], now: Self.t0).isEmpty)
    }
}
