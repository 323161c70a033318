import HookstreamCore

/// The rollup changes of one write transaction, gathered in memory while its events or
/// attempts are written and applied at the end with one upsert per (tenant, hour, resource)
/// and per latency bin — not one per event, so a group commit of 500 events of one source
/// costs one extra statement.
///
/// The same counts also go to per-minute rollups (`minute_rollups`, `minute_latency_rollups`)
/// that alert rules read for their minutes-long windows; those are kept for two days only
/// (``SQLStore/purgeMinuteRollups(before:)``).
struct RollupBatch {
    private struct Key: Hashable {
        var tenant: Tenant
        var hour: Int64
        var kind: Kind
        var resourceID: String
    }

    private enum Kind: String { case source, destination }

    private struct Counters {
        var events: Int64 = 0
        var deliveries: Int64 = 0
        var successes: Int64 = 0
        var failures: Int64 = 0
        var dlq: Int64 = 0
        var latencyCount: Int64 = 0
        var latencySum: Int64 = 0
    }

    private struct BinKey: Hashable {
        var tenant: Tenant
        var hour: Int64
        var destinationID: String
        var bin: Int
    }

    private var counters: [Key: Counters] = [:]
    private var bins: [BinKey: Int64] = [:]
    /// The same, keyed by minute (the `hour` member holds the minute's start).
    private var minuteCounters: [Key: Counters] = [:]
    private var minuteBins: [BinKey: Int64] = [:]

    static func minute(_ millis: Int64) -> Int64 { MetricsGranularity.floor(millis, 60_000) }

    static func hour(_ millis: Int64) -> Int64 { MetricsGranularity.hour.bucket(millis) }

    /// A stored event (duplicates and held events included: each is a request received).
    mutating func countEvent(_ event: Event) {
        counters[Key(tenant: event.tenant, hour: Self.hour(event.receivedAt), kind: .source, resourceID: event.sourceID), default: Counters()].events += 1
        minuteCounters[Key(tenant: event.tenant, hour: Self.minute(event.receivedAt), kind: .source, resourceID: event.sourceID), default: Counters()]
            .events += 1
    }

    /// A finished attempt (`success` or `failed`); anything else is not a delivery made.
    mutating func countAttempt(_ a: DeliveryAttempt) {
        guard a.status == .success || a.status == .failed else { return }
        let at = a.attemptedAt ?? a.createdAt
        Self.add(a, bucket: Self.hour(at), to: &counters, &bins)
        Self.add(a, bucket: Self.minute(at), to: &minuteCounters, &minuteBins)
    }

    private static func add(_ a: DeliveryAttempt, bucket: Int64, to counters: inout [Key: Counters], _ bins: inout [BinKey: Int64]) {
        let key = Key(tenant: a.tenant, hour: bucket, kind: .destination, resourceID: a.destinationID)
        var c = counters[key, default: Counters()]
        c.deliveries += 1
        if a.status == .success { c.successes += 1 } else { c.failures += 1 }
        if a.isDLQ { c.dlq += 1 }
        if let latency = a.latencyMs {
            c.latencyCount += 1
            c.latencySum += Int64(latency)
            bins[BinKey(tenant: a.tenant, hour: bucket, destinationID: a.destinationID, bin: LatencyHistogram.bin(forMillis: Int64(latency))), default: 0] += 1
        }
        counters[key] = c
    }

    func write(_ db: SQLConnection) throws {
        try Self.write(db, counters, bins, table: "metric_rollups", binTable: "latency_rollups", bucket: "hour")
        try Self.write(db, minuteCounters, minuteBins, table: "minute_rollups", binTable: "minute_latency_rollups", bucket: "minute")
    }

    private static func write(
        _ db: SQLConnection, _ counters: [Key: Counters], _ bins: [BinKey: Int64], table: String, binTable: String, bucket: String
    ) throws {
        guard !counters.isEmpty else { return }
        let upsert = try db.cachedStatement(
            """
                INSERT INTO \(table) (org_id, env_id, \(bucket), kind, resource_id, event_count, delivery_count, success_count, failed_count,
                    dlq_count, latency_count, latency_sum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, env_id, \(bucket), kind, resource_id) DO UPDATE SET
                    event_count = \(table).event_count + excluded.event_count,
                    delivery_count = \(table).delivery_count + excluded.delivery_count,
                    success_count = \(table).success_count + excluded.success_count,
                    failed_count = \(table).failed_count + excluded.failed_count,
                    dlq_count = \(table).dlq_count + excluded.dlq_count,
                    latency_count = \(table).latency_count + excluded.latency_count,
                    latency_sum = \(table).latency_sum + excluded.latency_sum
                """)
        for (key, c) in counters {
            try upsert.execute([
                key.tenant.organizationID, key.tenant.environmentID, key.hour, key.kind.rawValue, key.resourceID, c.events, c.deliveries,
                c.successes, c.failures, c.dlq, c.latencyCount, c.latencySum,
            ])
        }
        guard !bins.isEmpty else { return }
        let bin = try db.cachedStatement(
            """
                INSERT INTO \(binTable) (org_id, env_id, \(bucket), destination_id, bin, count) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, env_id, \(bucket), destination_id, bin) DO UPDATE SET count = \(binTable).count + excluded.count
                """)
        for (key, n) in bins {
            try bin.execute([key.tenant.organizationID, key.tenant.environmentID, key.hour, key.destinationID, key.bin, n])
        }
    }
}
