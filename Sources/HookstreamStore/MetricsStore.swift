public import HookstreamCore

/// Hourly rollups of traffic, kept in the transactions that write events and finished
/// attempts, and the reads the metrics API and alert rules make of them. A read costs the
/// number of hours (and resources) asked for, never the number of events stored.
public protocol MetricsStore: Sendable {
    /// Events received per source and bucket, buckets starting in `[range.lowerBound,
    /// range.upperBound)` (hour starts, Unix milliseconds), oldest first.
    func volumeSeries(tenant: Tenant, range: Range<Int64>, granularity: MetricsGranularity, sourceID: String?) async throws -> [VolumePoint]
    /// Finished attempts per destination and bucket, with their latency histogram.
    func deliverySeries(tenant: Tenant, range: Range<Int64>, granularity: MetricsGranularity, destinationID: String?) async throws -> [DeliveryPoint]
    /// Counts the overview shows beside the rollups: live sources, destinations and
    /// collections, open issues.
    func resourceCounts(tenant: Tenant) async throws -> ResourceCounts
    /// Attempts ever dead-lettered (what `GET /v1/delivery-attempts?is_dlq=1` totals).
    func dlqTotal(tenant: Tenant) async throws -> Int64
}

public enum MetricsGranularity: String, Sendable, CaseIterable {
    case hour, day

    public var millis: Int64 { self == .hour ? 3_600_000 : 86_400_000 }

    /// The start of the bucket holding `millis` (UTC).
    public func bucket(_ millis: Int64) -> Int64 { Self.floor(millis, self.millis) }

    static func floor(_ value: Int64, _ unit: Int64) -> Int64 {
        value >= 0 ? value / unit * unit : (value - unit + 1) / unit * unit
    }
}

public struct VolumePoint: Sendable, Equatable {
    public var bucket: Int64
    public var sourceID: String
    public var sourceName: String?
    public var eventCount: Int64

    public init(bucket: Int64, sourceID: String, sourceName: String?, eventCount: Int64) {
        self.bucket = bucket
        self.sourceID = sourceID
        self.sourceName = sourceName
        self.eventCount = eventCount
    }
}

public struct DeliveryPoint: Sendable {
    public var bucket: Int64
    public var destinationID: String
    public var destinationName: String?
    public var deliveryCount: Int64
    public var successCount: Int64
    public var failedCount: Int64
    /// Attempts dead-lettered in the bucket.
    public var dlqCount: Int64
    public var latencyCount: Int64
    public var latencySum: Int64
    public var latency: LatencyHistogram

    public init(
        bucket: Int64, destinationID: String, destinationName: String?, deliveryCount: Int64 = 0, successCount: Int64 = 0,
        failedCount: Int64 = 0, dlqCount: Int64 = 0, latencyCount: Int64 = 0, latencySum: Int64 = 0, latency: LatencyHistogram = LatencyHistogram()
    ) {
        self.bucket = bucket
        self.destinationID = destinationID
        self.destinationName = destinationName
        self.deliveryCount = deliveryCount
        self.successCount = successCount
        self.failedCount = failedCount
        self.dlqCount = dlqCount
        self.latencyCount = latencyCount
        self.latencySum = latencySum
        self.latency = latency
    }

    /// Mean latency in milliseconds, `nil` without a timed attempt.
    public var averageLatency: Double? { latencyCount > 0 ? Double(latencySum) / Double(latencyCount) : nil }
}

public struct ResourceCounts: Sendable, Equatable {
    public var activeSources: Int
    public var activeDestinations: Int
    public var activeCollections: Int
    public var openIssues: Int

    public init(activeSources: Int, activeDestinations: Int, activeCollections: Int, openIssues: Int) {
        self.activeSources = activeSources
        self.activeDestinations = activeDestinations
        self.activeCollections = activeCollections
        self.openIssues = openIssues
    }
}
