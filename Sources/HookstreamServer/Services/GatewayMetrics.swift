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
}
