import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The contract of `ToolScheduleStore`, run against every backend: a due schedule is handed
/// out once, ever; the per-client cap; interrupted claims fail rather than fire again.
@Suite struct ToolScheduleStoreConformanceTests {
    static let t0 = StoreFixture.t0

    static func schedule(firesAt: Int64, client: String = "192.0.2.1") -> ToolSchedule {
        ToolSchedule(
            id: UUID().uuidString.lowercased(), url: "https://hooks.example.com/x", method: "POST", sealedRequest: "sealed", firesAt: firesAt,
            createdAt: t0, client: client)
    }

    @Test(arguments: StoreBackend.all)
    func aDueScheduleIsClaimedOnceEarliestFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let late = Self.schedule(firesAt: Self.t0 + 2000)
        let early = Self.schedule(firesAt: Self.t0 + 1000)
        let future = Self.schedule(firesAt: Self.t0 + 60_000)
        for s in [late, early, future] { #expect(try await store.createToolSchedule(s, maxPending: 10)) }
        #expect(try await store.nextToolScheduleDue() == Self.t0 + 1000)
        #expect(try await store.claimDueToolSchedules(now: Self.t0 + 500, limit: 10).isEmpty)

        #expect(try await store.claimDueToolSchedules(now: Self.t0 + 5000, limit: 1).map(\.id) == [early.id])
        // Two claimers at the same moment (two nodes): the rest goes to one of them, once.
        async let first = store.claimDueToolSchedules(now: Self.t0 + 5000, limit: 10)
        async let second = store.claimDueToolSchedules(now: Self.t0 + 5000, limit: 10)
        let claims = try await [first, second]
        #expect(claims.flatMap { $0 }.map(\.id) == [late.id])
        #expect(try await store.toolSchedule(id: early.id)?.status == .firing)
        #expect(try await store.nextToolScheduleDue() == Self.t0 + 60_000)

        try await store.finishToolSchedule(id: early.id, status: .completed, responseStatus: 204, error: nil, at: Self.t0 + 5100)
        let done = try #require(try await store.toolSchedule(id: early.id))
        #expect((done.status, done.responseStatus, done.completedAt) == (.completed, 204, Self.t0 + 5100))
        #expect(try await store.claimDueToolSchedules(now: Self.t0 + 9000, limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.all)
    func pendingSchedulesAreCappedPerClient(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        #expect(try await store.createToolSchedule(Self.schedule(firesAt: Self.t0), maxPending: 2))
        #expect(try await store.createToolSchedule(Self.schedule(firesAt: Self.t0), maxPending: 2))
        #expect(try await store.createToolSchedule(Self.schedule(firesAt: Self.t0), maxPending: 2) == false)
        // (The other client's fires later, so the claim below takes one of the first client's:
        // schedules due at the same moment are handed out in no particular order.)
        #expect(try await store.createToolSchedule(Self.schedule(firesAt: Self.t0 + 1000, client: "192.0.2.2"), maxPending: 2))
        // Once fired, they no longer count.
        _ = try await store.claimDueToolSchedules(now: Self.t0, limit: 1)
        #expect(try await store.createToolSchedule(Self.schedule(firesAt: Self.t0), maxPending: 2))
    }

    @Test(arguments: StoreBackend.all)
    func anInterruptedClaimFailsAndFinishedSchedulesAreForgotten(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let stuck = Self.schedule(firesAt: Self.t0)
        let fresh = Self.schedule(firesAt: Self.t0 + 50_000)
        for s in [stuck, fresh] { _ = try await store.createToolSchedule(s, maxPending: 10) }
        _ = try await store.claimDueToolSchedules(now: Self.t0, limit: 10)
        _ = try await store.claimDueToolSchedules(now: Self.t0 + 50_000, limit: 10)
        try await store.sweepToolSchedules(claimedBefore: Self.t0 + 1, finishedBefore: Self.t0 - 1, at: Self.t0 + 60_000)
        let failed = try #require(try await store.toolSchedule(id: stuck.id))
        #expect(failed.status == .failed && failed.error?.contains("interrupted") == true && failed.completedAt == Self.t0 + 60_000)
        #expect(try await store.toolSchedule(id: fresh.id)?.status == .firing)
        // A late outcome for the failed one changes nothing: it was given up.
        try await store.finishToolSchedule(id: stuck.id, status: .completed, responseStatus: 200, error: nil, at: Self.t0 + 61_000)
        #expect(try await store.toolSchedule(id: stuck.id)?.status == .failed)
        try await store.sweepToolSchedules(claimedBefore: 0, finishedBefore: Self.t0 + 60_001, at: Self.t0 + 70_000)
        #expect(try await store.toolSchedule(id: stuck.id) == nil)
        #expect(try await store.toolSchedule(id: fresh.id) != nil)
    }
}
