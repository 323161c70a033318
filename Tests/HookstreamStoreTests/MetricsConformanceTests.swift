import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// Rollups on every backend: written in the transactions of events and attempts, they answer
/// exactly what counting the raw rows would, per hour and per day, per tenant.
@Suite struct MetricsConformanceTests {
    static let hour: Int64 = 3_600_000
    /// Midnight UTC, so day buckets are easy to state.
    static let day0: Int64 = StoreFixture.t0 / 86_400_000 * 86_400_000

    struct Made {
        var at: Int64
        var success: Bool
        var latency: Int
        var dlq: Bool
    }

    /// Ingests `times.count` routed events (in batches of `batch`, as the group commit does) and
    /// finishes each attempt as `outcome` says, the engine's results recorded in batches too.
    func traffic(_ f: StoreFixture, times: [Int64], batch: Int, outcome: (Int) -> Made) async throws -> [Made] {
        for chunk in stride(from: 0, to: times.count, by: batch) {
            let incoming = times[chunk..<min(chunk + batch, times.count)].map { IncomingEvent(event: f.event(at: $0), routes: [f.route]) }
            _ = try await f.store.insertEvents(incoming)
        }
        let claimed = try await f.store.claimDue(destinationID: f.destination.id, now: times.max()! + 1, limit: times.count + 1, excluding: [])
        #expect(claimed.attempts.count == times.count)
        var made: [Made] = []
        var records: [DeliveryRecord] = []
        for (i, c) in claimed.attempts.enumerated() {
            let m = outcome(i)
            var a = c.attempt
            a.status = m.success ? .success : .failed
            a.attemptedAt = m.at
            a.latencyMs = m.latency
            a.isDLQ = m.dlq
            records.append(.attempt(AttemptResult(attempt: a)))
            made.append(m)
            if records.count == 37 {
                try await f.store.recordDelivery(records)
                records = []
            }
        }
        try await f.store.recordDelivery(records)
        return made
    }

    @Test(arguments: StoreBackend.all)
    func rollupsMatchTheRawRows(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let other = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        // 600 events over 30 hours (crossing a day), uneven per hour.
        let times: [Int64] = (0..<600).map { (i: Int) -> Int64 in
            let hourOffset = Int64(i * i % 30) * Self.hour
            return Self.day0 + 20 * Self.hour + hourOffset + Int64(i * 7919 % 3_000_000)
        }
        let made = try await traffic(f, times: times, batch: 64) { (i: Int) -> Made in
            let latency = Int(exp(Double(i * 37 % 600) / 60))
            return Made(at: times[i] + 1500, success: i % 9 != 0, latency: latency, dlq: i % 45 == 0)
        }
        _ = try await traffic(other, times: [Self.day0 + 21 * Self.hour], batch: 1) { _ in Made(at: Self.day0 + 21 * Self.hour, success: true, latency: 5, dlq: false) }

        let range = Self.day0..<(Self.day0 + 3 * 86_400_000)
        // Volume, by the hour and by the day.
        for granularity in MetricsGranularity.allCases {
            let volume = try await store.volumeSeries(tenant: f.tenant, range: range, granularity: granularity, sourceID: nil)
            let expected = Dictionary(grouping: times, by: granularity.bucket).mapValues { Int64($0.count) }
            #expect(Dictionary(uniqueKeysWithValues: volume.map { ($0.bucket, $0.eventCount) }) == expected)
            #expect(volume.allSatisfy { $0.sourceID == f.source.id && $0.sourceName == "Shop" })
            #expect(volume.map(\.bucket) == volume.map(\.bucket).sorted())

            let deliveries = try await store.deliverySeries(tenant: f.tenant, range: range, granularity: granularity, destinationID: f.destination.id)
            let byBucket = Dictionary(grouping: made) { granularity.bucket($0.at) }
            #expect(Set(deliveries.map(\.bucket)) == Set(byBucket.keys))
            for point in deliveries {
                let raw = byBucket[point.bucket] ?? []
                #expect(point.deliveryCount == Int64(raw.count))
                #expect(point.successCount == Int64(raw.filter { $0.success }.count))
                #expect(point.failedCount == Int64(raw.filter { !$0.success }.count))
                #expect(point.dlqCount == Int64(raw.filter { $0.dlq }.count))
                #expect(point.latencySum == raw.reduce(0) { $0 + Int64($1.latency) })
                let latencies = raw.map { Int64($0.latency) }
                for p in [50.0, 95, 99] {
                    let exact = try #require(LatencyHistogram.exactPercentile(p, of: latencies))
                    let estimate = try #require(point.latency.percentile(p))
                    #expect(abs(Double(estimate - exact)) <= Double(exact) * 0.01, "p\(p) of \(point.bucket): \(estimate) vs \(exact)")
                }
            }
        }
        #expect(try await store.dlqTotal(tenant: f.tenant) == Int64(made.filter { $0.dlq }.count))
        // Filters and tenants.
        #expect(try await store.volumeSeries(tenant: f.tenant, range: range, granularity: .day, sourceID: "src_unknown").isEmpty)
        let theirs = try await store.volumeSeries(tenant: other.tenant, range: range, granularity: .day, sourceID: nil)
        #expect(theirs.map(\.eventCount) == [1])
        #expect(try await store.dlqTotal(tenant: other.tenant) == 0)
        // The range bounds bucket starts: an hour before the first event sees nothing.
        #expect(try await store.volumeSeries(tenant: f.tenant, range: Self.day0..<(Self.day0 + 20 * Self.hour), granularity: .hour, sourceID: nil).isEmpty)
    }

    /// Two nodes on one database write the same hour's rollups at once — each has its own
    /// group commit and result writer, so neither can sum in memory for the other: the rollups
    /// must add up to the raw rows of both, read from either node.
    @Test(arguments: StoreBackend.all)
    func twoNodesWritingTheSameHourAddUp(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let f = try await StoreFixture.make(nodes[0])
        let hourStart = Self.day0 + 5 * Self.hour
        let hour = hourStart..<(hourStart + Self.hour)
        let times: [[Int64]] = [70, 55].enumerated().map { node, count in
            (0..<count).map { hourStart + Int64(($0 * 2 + node) * 20_011 % 3_600_000) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (node, store) in nodes.enumerated() {
                group.addTask {
                    for chunk in stride(from: 0, to: times[node].count, by: 6) {
                        let batch = times[node][chunk..<min(chunk + 6, times[node].count)]
                        _ = try await store.insertEvents(batch.map { IncomingEvent(event: f.event(at: $0), routes: [f.route]) })
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in nodes {
            let volume = try await store.volumeSeries(tenant: f.tenant, range: hour, granularity: .hour, sourceID: nil)
            #expect(volume.map(\.eventCount) == [125])
        }

        // Each node records the attempts it sent (every other one), both at once.
        let claimed = try await nodes[0].claimDue(destinationID: f.destination.id, now: hour.upperBound, limit: 1000, excluding: [])
        #expect(claimed.attempts.count == 125)
        let finished: [DeliveryAttempt] = claimed.attempts.enumerated().map { i, c in
            var a = c.attempt
            a.status = i % 4 == 0 ? .failed : .success
            a.isDLQ = i % 20 == 0
            a.attemptedAt = hourStart + 1000 + Int64(i) * 1000
            a.latencyMs = 10 + i * 37 % 900
            return a
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (node, store) in nodes.enumerated() {
                let mine = finished.enumerated().filter { $0.offset % 2 == node }.map(\.element)
                group.addTask {
                    for chunk in stride(from: 0, to: mine.count, by: 5) {
                        try await store.recordDelivery(mine[chunk..<min(chunk + 5, mine.count)].map { .attempt(AttemptResult(attempt: $0)) })
                    }
                }
            }
            try await group.waitForAll()
        }
        let latencies = finished.map { Int64($0.latencyMs!) }
        for store in nodes {
            let points = try await store.deliverySeries(tenant: f.tenant, range: hour, granularity: .hour, destinationID: f.destination.id)
            let point = try #require(points.first)
            #expect(points.count == 1)
            #expect(point.deliveryCount == 125)
            #expect(point.successCount == Int64(finished.filter { $0.status == .success }.count))
            #expect(point.failedCount == Int64(finished.filter { $0.status == .failed }.count))
            #expect(point.dlqCount == Int64(finished.filter(\.isDLQ).count))
            #expect(point.latencySum == latencies.reduce(0, +))
            for p in [50.0, 95, 99] {
                let exact = try #require(LatencyHistogram.exactPercentile(p, of: latencies))
                let estimate = try #require(point.latency.percentile(p))
                #expect(abs(Double(estimate - exact)) <= Double(exact) * 0.01, "p\(p): \(estimate) vs \(exact)")
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func duplicatesAndHeldEventsCountAsReceivedAndPendingAttemptsDoNot(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let paused = try await StoreFixture.make(store, sourceStatus: .paused)
        var first = IncomingEvent(event: f.event(at: Self.day0), dedupKeyHash: "k", dedupExpiresAt: Self.day0 + 60_000, routes: [f.route])
        var again = IncomingEvent(event: f.event(at: Self.day0 + 10), routes: [f.route])
        again.dedupKeyHash = "k"
        again.dedupExpiresAt = Self.day0 + 60_000
        first.routes = [f.route]
        let outcomes = try await store.insertEvents([first, again, IncomingEvent(event: paused.event(at: Self.day0), routes: [paused.route])])
        #expect(outcomes.map(\.duplicate) == [false, true, false])
        let volume = try await store.volumeSeries(tenant: f.tenant, range: Self.day0..<(Self.day0 + Self.hour), granularity: .hour, sourceID: nil)
        #expect(Dictionary(uniqueKeysWithValues: volume.map { ($0.sourceID, $0.eventCount) }) == [f.source.id: 2, paused.source.id: 1])
        // Nothing was attempted yet: no delivery rows.
        #expect(try await store.deliverySeries(tenant: f.tenant, range: Self.day0..<(Self.day0 + Self.hour), granularity: .hour, destinationID: nil).isEmpty)
    }

    @Test(arguments: StoreBackend.all)
    func resourceCountsSeeLiveResourcesOfTheTenantOnly(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        _ = try await StoreFixture.make(store, sourceStatus: .paused)
        _ = try await StoreFixture.make(store, tenant: try await StoreFixture.otherTenant(store))
        try await store.deleteDestination(id: f.destination.id, tenant: f.tenant, at: StoreFixture.t0)
        let counts = try await store.resourceCounts(tenant: f.tenant)
        #expect(counts == ResourceCounts(activeSources: 1, activeDestinations: 1, activeCollections: 0, openIssues: 0))
    }
}
