/// The `error_type` of an issue: issues group failures per destination and error type.
public enum IssueType: String, CaseIterable, Codable, Hashable, Sendable {
    /// The destination answered with a non-2xx status below 500 (3xx and 1xx included: an
    /// unfollowed redirect is, like a 4xx, the destination refusing this request as sent).
    case http4xx = "http_4xx"
    /// The destination answered 5xx (or an out-of-range status, which only a broken server sends).
    case http5xx = "http_5xx"
    /// No complete response within the destination's timeout.
    case timeout
    /// The connection could not be made or broke: refused, reset, DNS failure, TLS failure.
    case connectionError = "connection_error"
    /// The destination's circuit breaker opened.
    case circuitOpen = "circuit_open"
    /// The connection's JSONata transform failed on this event.
    case transformError = "transform_error"
    /// A database source's change capture failed (database unreachable, slot gone); the issue
    /// names the source (`source_id`) rather than a destination.
    case captureError = "capture_error"
    /// A database source's replication slot retains more WAL than `--cdc-max-lag-bytes`
    /// (paused too long, or capture falling behind): the database's disk is filling.
    case captureLag = "capture_lag"
}
