import HookstreamStore
import Prometheus
import Synchronization

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

    static var deliveryStarts: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "delivery_starts", unitName: "total",
            helpText: "Attempts started, by where the engine got them: memory (handed off by ingest's commit) or store (claimed).")
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

    static var realtimeClients: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hookstream", metricName: "realtime_clients", helpText: "WebSocket clients connected to /v1/ws.")
    }

    static var realtimeDisconnects: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "hookstream", metricName: "realtime_disconnects", unitName: "total",
            helpText: "WebSocket clients the hub cut off, by reason (overflow: fell behind its send buffer; queue_full: the hub fell behind).")
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// The instruments of one server, made once: making one through the registry checks its
    /// name and help text every time, a few per cent of ingest's CPU when done per request.
    final class Instruments: Sendable {
        let registry: PrometheusCollectorRegistry
        let eventsStored: Counter
        let ingestDuration: DurationHistogram
        let deliveryDuration: DurationHistogram
        let realtimeClients: Gauge
        private let labelled = Mutex<[LabelledKey: Counter]>([:])

        /// The labelled counters, by name.
        enum Labelled: Hashable {
            case httpRequests, ingestRejected, ingestDuplicates, deliveryAttempts, deliveryStarts, deliveriesDeadLettered, realtimeDisconnects

            var descriptor: MetricNameDescriptor {
                switch self {
                case .httpRequests: GatewayMetrics.httpRequests
                case .ingestRejected: GatewayMetrics.ingestRejected
                case .ingestDuplicates: GatewayMetrics.ingestDuplicates
                case .deliveryAttempts: GatewayMetrics.deliveryAttempts
                case .deliveryStarts: GatewayMetrics.deliveryStarts
                case .deliveriesDeadLettered: GatewayMetrics.deliveriesDeadLettered
                case .realtimeDisconnects: GatewayMetrics.realtimeDisconnects
                }
            }
        }

        private struct LabelledKey: Hashable {
            var counter: Labelled
            var values: [String]
        }

        init(registry: PrometheusCollectorRegistry) {
            self.registry = registry
            eventsStored = registry.makeCounter(descriptor: GatewayMetrics.eventsStored)
            ingestDuration = registry.makeDurationHistogram(descriptor: GatewayMetrics.ingestDuration, buckets: GatewayMetrics.latencyBuckets)
            deliveryDuration = registry.makeDurationHistogram(descriptor: GatewayMetrics.deliveryDuration, buckets: GatewayMetrics.latencyBuckets)
            realtimeClients = registry.makeGauge(descriptor: GatewayMetrics.realtimeClients)
        }

        /// The counter of `counter` with these label values (the label sets stay as bounded as
        /// the registry's own: route patterns, sources, destinations).
        func counter(_ counter: Labelled, _ labels: [(String, String)]) -> Counter {
            let key = LabelledKey(counter: counter, values: labels.map(\.1))
            if let known = labelled.withLock({ $0[key] }) { return known }
            let made = registry.makeCounter(descriptor: counter.descriptor, labels: labels)
            labelled.withLock { $0[key] = made }
            return made
        }

        /// Counts one answered request by route pattern (`/v1/sources/{id}`, never the raw
        /// path: raw paths would make the label set, and memory, unbounded), method and status.
        func countRequest(route: String, method: String, status: Int) {
            counter(.httpRequests, [("route", route), ("method", method), ("status", String(status))]).increment()
        }

        /// Counts one committed attempt result.
        func record(_ result: AttemptResult) {
            let attempt = result.attempt
            let outcome = attempt.status == .success ? "success" : attempt.errorType ?? "failed"
            counter(.deliveryAttempts, [("destination_id", attempt.destinationID), ("outcome", outcome)]).increment()
            if let ms = attempt.latencyMs { deliveryDuration.record(.milliseconds(ms)) }
            if attempt.isDLQ { counter(.deliveriesDeadLettered, [("destination_id", attempt.destinationID)]).increment() }
        }
    }
}
