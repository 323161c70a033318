import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/metrics/*`: traffic per source, deliveries and latency per destination, read from the
/// hourly rollups the store keeps as events and attempts are written.
struct MetricsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/metrics/overview", use: overview)
        router.get("/v1/metrics/volume", use: volume)
        router.get("/v1/metrics/deliveries", use: deliveries)
        router.get("/v1/metrics/latency", use: latency)
    }

    @Sendable func overview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        let now = deps.configuration.clock.nowMillis
        let today = MetricsGranularity.day.bucket(now)
        let end = MetricsGranularity.hour.bucket(now) + MetricsGranularity.hour.millis
        let weekStart = today - 6 * MetricsGranularity.day.millis
        let volume = try await deps.store.volumeSeries(tenant: tenant, range: weekStart..<end, granularity: .day, sourceID: nil)
        let delivered = try await deps.store.deliverySeries(tenant: tenant, range: today..<end, granularity: .day, destinationID: nil)
        let counts = try await deps.store.resourceCounts(tenant: tenant)
        let dlq = try await deps.store.dlqTotal(tenant: tenant)
        let attempts = delivered.reduce(0) { $0 + $1.deliveryCount }
        let successes = delivered.reduce(0) { $0 + $1.successCount }
        let rate: JSON = attempts > 0 ? .number((Double(successes) / Double(attempts) * 10_000).rounded() / 100) : .null
        return .json([
            "events_today": .number(Double(volume.filter { $0.bucket >= today }.reduce(0) { $0 + $1.eventCount })),
            "events_this_week": .number(Double(volume.reduce(0) { $0 + $1.eventCount })),
            "active_sources": .number(Double(counts.activeSources)),
            "deliveries_today": .number(Double(attempts)),
            "success_today": .number(Double(successes)),
            "failed_today": .number(Double(delivered.reduce(0) { $0 + $1.failedCount })),
            "success_rate_today": rate,
            "dlq_count": .number(Double(dlq)),
            "active_destinations": .number(Double(counts.activeDestinations)),
            "open_issues": .number(Double(counts.openIssues)),
            "active_collections": .number(Double(counts.activeCollections)),
        ])
    }

    @Sendable func volume(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        let query = try MetricsQuery(request.uri.queryParameters, filter: "source_id", now: deps.configuration.clock.nowMillis)
        let points = try await deps.store.volumeSeries(tenant: tenant, range: query.range, granularity: query.granularity, sourceID: query.resourceID)
        let series: [JSON] = points.map {
            [
                "bucket": JSON.timestamp($0.bucket), "source_id": .string($0.sourceID), "source_name": $0.sourceName.map(JSON.string) ?? .null,
                "event_count": .number(Double($0.eventCount)),
            ]
        }
        return .json(query.body(series))
    }

    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (query, points) = try await deliveryPoints(request, context)
        let series: [JSON] = points.map {
            [
                "bucket": JSON.timestamp($0.bucket), "destination_id": .string($0.destinationID),
                "destination_name": $0.destinationName.map(JSON.string) ?? .null, "delivery_count": .number(Double($0.deliveryCount)),
                "success_count": .number(Double($0.successCount)), "failed_count": .number(Double($0.failedCount)),
                "avg_latency_ms": Self.milliseconds($0.averageLatency),
            ]
        }
        return .json(query.body(series))
    }

    @Sendable func latency(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (query, points) = try await deliveryPoints(request, context)
        let series: [JSON] = points.filter { $0.latencyCount > 0 }.map {
            let p = $0.latency.percentiles([50, 95, 99]).map { $0.map(Double.init) }
            return [
                "bucket": JSON.timestamp($0.bucket), "destination_id": .string($0.destinationID),
                "destination_name": $0.destinationName.map(JSON.string) ?? .null,
                "p50_latency_ms": Self.milliseconds(p[0]), "p95_latency_ms": Self.milliseconds(p[1]),
                "p99_latency_ms": Self.milliseconds(p[2]),
                "avg_latency_ms": Self.milliseconds($0.averageLatency), "sample_count": .number(Double($0.latencyCount)),
            ]
        }
        return .json(query.body(series))
    }

    private func deliveryPoints(_ request: Request, _ context: AppRequestContext) async throws -> (MetricsQuery, [DeliveryPoint]) {
        let tenant = try context.caller.tenant
        let query = try MetricsQuery(request.uri.queryParameters, filter: "destination_id", now: deps.configuration.clock.nowMillis)
        let points = try await deps.store.deliverySeries(
            tenant: tenant, range: query.range, granularity: query.granularity, destinationID: query.resourceID)
        return (query, points)
    }

    /// Whole milliseconds, as the spec's examples show them; `null` without data.
    static func milliseconds(_ value: Double?) -> JSON { value.map { .number($0.rounded()) } ?? .null }
}

/// The query of a series endpoint: `granularity`, the time range (`after`/`before`, or their
/// aliases `start`/`end`) and one resource filter.
struct MetricsQuery {
    var granularity: MetricsGranularity
    /// Bucket starts included: from the bucket holding `after` up to, not including, `before`.
    var range: Range<Int64>
    var resourceID: String?

    /// The longest range one request may ask for, per granularity, so an answer stays small.
    static let maximumSpan: [MetricsGranularity: Int64] = [.hour: 31 * 86_400_000, .day: 731 * 86_400_000]

    init(_ q: Parameters, filter: String, now: Int64) throws {
        for name in q.map({ String($0.key) }) where !["after", "before", "start", "end", "granularity", filter].contains(name) {
            throw APIError.badRequest("Unknown query parameter '\(name)'")
        }
        granularity = try QueryValue.oneOf(q, "granularity", MetricsGranularity.allCases.map(\.rawValue)).flatMap(MetricsGranularity.init) ?? .hour
        let after = try Self.instant(q, "after", alias: "start")
        let before = try Self.instant(q, "before", alias: "end") ?? now
        // Without a start: the last 24 hours by the hour, the last 30 days by the day.
        let start = after ?? before - (granularity == .hour ? 86_400_000 : 30 * 86_400_000)
        guard start < before else { throw APIError.badRequest("'after' must be earlier than 'before'") }
        let span = before - start
        guard span <= Self.maximumSpan[granularity]! else {
            let days = Self.maximumSpan[granularity]! / 86_400_000
            throw APIError.badRequest("A \(granularity.rawValue) series covers at most \(days) days; narrow 'after'/'before' or use a coarser granularity")
        }
        range = granularity.bucket(start)..<before
        resourceID = try QueryValue.id(q, filter)
    }

    private static func instant(_ q: Parameters, _ name: String, alias: String) throws -> Int64? {
        let primary = try QueryValue.timestamp(q, name)
        let secondary = try QueryValue.timestamp(q, alias)
        if primary != nil, secondary != nil { throw APIError.badRequest("Give '\(name)' or its alias '\(alias)', not both") }
        return primary ?? secondary
    }

    func body(_ series: [JSON]) -> JSON {
        ["series": .array(series), "granularity": .string(granularity.rawValue)]
    }
}
