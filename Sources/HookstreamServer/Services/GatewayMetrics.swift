import HookstreamStore
import Prometheus

/// The metrics `/metrics` exposes, named in one place. (Computed: the descriptor type is not
/// `Sendable`, and building one costs a few string copies.)
enum GatewayMetrics {
    static var httpRequests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "http_requests", unitName: "total",
            helpText: "HTTP requests by route pattern, method and status.")
    }

    static var eventsStored: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hookstream", metricName: "events_stored", unitName: "total", helpText: "Events committed by ingest.")
    }

    static var ingestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "ingest_duration", unitName: "seconds",
            helpText: "Time from an accepted ingest request's arrival to its durable commit.")
    }

    static var ingestRejected: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "ingest_rejected", unitName: "total",
            helpText: "Ingest requests refused, by source and reason (ip_denied, too_large, signature, schema).")
    }

    static var ingestDuplicates: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "ingest_duplicates", unitName: "total",
            helpText: "Ingest requests recognised as duplicates, by source.")
    }

    static var deliveryAttempts: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "delivery_attempts", unitName: "total",
            helpText: "Delivery attempts recorded, by destination and outcome (success, or the failure's issue type).")
    }

    static var deliveryDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "delivery_duration", unitName: "seconds",
            helpText: "Time an attempt took: transform, request and response.")
    }

    static var deliveriesDeadLettered: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "deliveries_dead_lettered", unitName: "total",
            helpText: "Deliveries moved to the dead-letter queue, by destination.")
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// Counts one answered request by route pattern (`/v1/sources/{id}`, never the raw path:
    /// raw paths would make the label set, and memory, unbounded), method and status.
    static func countRequest(route: String, method: String, status: Int, in registry: PrometheusCollectorRegistry) {
        registry.makeCounter(descriptor: httpRequests, labels: [("route", route), ("method", method), ("status", String(status))]).increment()
    }

    /// Counts one committed attempt result.
    static func record(_ result: AttemptResult, in registry: PrometheusCollectorRegistry) {
        let attempt = result.attempt
        let outcome = attempt.status == .success ? "success" : attempt.errorType ?? "failed"
        registry.makeCounter(descriptor: deliveryAttempts, labels: [("destination_id", attempt.destinationID), ("outcome", outcome)]).increment()
        if let ms = attempt.latencyMs {
            registry.makeDurationHistogram(descriptor: deliveryDuration, buckets: latencyBuckets).record(.milliseconds(ms))
        }
        if attempt.isDLQ {
            registry.makeCounter(descriptor: deliveriesDeadLettered, labels: [("destination_id", attempt.destinationID)]).increment()
        }
    }
}
