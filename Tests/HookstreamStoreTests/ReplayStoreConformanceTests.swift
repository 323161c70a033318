import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The contract of `ReplayStore`, run against every backend: what a job counts, the order and
/// bounds of its batches, progress kept with each attempt, and expiry.
@Suite struct ReplayStoreConformanceTests {
    static let t0 = StoreFixture.t0

    static func job(_ f: StoreFixture, sourceID: String? = nil, from: Int64 = t0, to: Int64 = t0 + 10_000, maxEvents: Int = 1000) -> ReplayJob {
        ReplayJob(
            id: ResourceID.make(.replay), tenant: f.tenant, destinationID: f.destination.id, sourceID: sourceID, from: from, to: to,
            rateLimit: 10, maxEvents: maxEvents, startedAt: t0 + 20_000)
    }

    static func attempt(_ f: StoreFixture, eventID: String, success: Bool) -> DeliveryAttempt {
        DeliveryAttempt(
            id: ResourceID.make(.deliveryAttempt), tenant: f.tenant, eventID: eventID, connectionID: nil, destinationID: f.destination.id,
            status: success ? .success : .failed, scheduledAt: t0 + 20_000, attemptedAt: t0 + 20_000, statusCode: success ? 200 : 500,
            createdAt: t0 + 20_000)
    }

    @Test(arguments: StoreBackend.all)
    func aJobCountsItsWindowAndReadsItInOrderAfterItsCursor(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let theirs = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        var inWindow: [String] = []
        for n in 0..<5 { inWindow.append(try await f.ingest(at: Self.t0 + Int64(n) * 1000, routed: false).event.id) }
        _ = try await f.ingest(at: Self.t0 - 1, routed: false)  // before the window
        _ = try await f.ingest(at: Self.t0 + 10_001, routed: false)  // after it
        _ = try await theirs.ingest(at: Self.t0 + 500, routed: false)  // another tenant's
        let otherSource = try await StoreFixture.makeSource(store, tenant: f.tenant)
        var foreign = f
        foreign.source = otherSource
        _ = try await foreign.ingest(at: Self.t0 + 500, routed: false)

        #expect(try await store.createReplayJob(Self.job(f)).total == 6)
        #expect(try await store.createReplayJob(Self.job(f, maxEvents: 3)).total == 3)
        var job = try await store.createReplayJob(Self.job(f, sourceID: f.source.id))
        #expect(job.total == 5)
        #expect(try await store.runningReplayJobs().count == 3)

        #expect(try await store.replayEvents(job, limit: 2).map(\.id) == Array(inWindow.prefix(2)))
        job = try await store.recordReplayAttempt(jobID: job.id, eventID: inWindow[0], attempt: Self.attempt(f, eventID: inWindow[0], success: true))
        job = try await store.recordReplayAttempt(jobID: job.id, eventID: inWindow[1], attempt: Self.attempt(f, eventID: inWindow[1], success: false))
        #expect((job.processed, job.succeeded, job.failed, job.cursor) == (2, 1, 1, inWindow[1]))
        #expect(try await store.replayEvents(job, limit: 10).map(\.id) == Array(inWindow.suffix(3)))
        // The attempts are in the log, finished, with no retry.
        let attempts = try await f.attempts(of: inWindow[1])
        #expect(attempts.map(\.status) == [.failed])
        #expect(attempts.first?.nextRetryAt == nil)
        // What a restart reads back is the same job.
        #expect(try await store.replayJob(id: job.id, tenant: f.tenant, now: Self.t0) == job)
        #expect(try await store.replayJob(id: job.id, tenant: theirs.tenant, now: Self.t0) == nil)
    }

    @Test(arguments: StoreBackend.all)
    func finishedJobsExpire(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let job = try await store.createReplayJob(Self.job(f))
        let done = try await store.finishReplayJob(id: job.id, tenant: f.tenant, status: .completed, at: Self.t0 + 1, expiresAt: Self.t0 + 100)
        #expect(done.status == .completed)
        #expect(done.completedAt == Self.t0 + 1)
        // Finishing again changes nothing.
        #expect(try await store.finishReplayJob(id: job.id, tenant: f.tenant, status: .cancelled, at: Self.t0 + 2, expiresAt: Self.t0 + 200) == done)
        await #expect(throws: StoreError.notFound) {
            try await store.finishReplayJob(id: "rpl_0123456789abcdef0123456789abcdef", tenant: f.tenant, status: .cancelled, at: 0, expiresAt: 0)
        }
        #expect(try await store.runningReplayJobs().isEmpty)
        #expect(try await store.replayJobs(tenant: f.tenant, now: Self.t0 + 99, beforeID: nil, limit: 10).items.map(\.id) == [job.id])
        #expect(try await store.replayJob(id: job.id, tenant: f.tenant, now: Self.t0 + 100) == nil)
        try await store.purgeExpiredReplayJobs(now: Self.t0 + 100)
        #expect(try await store.replayJob(id: job.id, tenant: f.tenant, now: 0) == nil)
    }
}
