/// Why a destination's retry settings were rejected, worded for a 400 response:
/// `retry_max_attempts must be an integer from 1 to 10, not 11`.
public struct RetryPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The API field at fault: `retry_max_attempts`, `retry_backoff_type` or `retry_intervals`.
    public let field: String
    /// What is wrong, without the field name.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    static func maxAttempts(_ reason: String) -> Self { .init(field: "retry_max_attempts", reason: reason) }
    static func backoffType(_ reason: String) -> Self { .init(field: "retry_backoff_type", reason: reason) }
    static func intervals(_ reason: String) -> Self { .init(field: "retry_intervals", reason: reason) }

    public var description: String {
        // Element positions attach to the field name: "retry_intervals[2] must be …".
        reason.hasPrefix("[") ? field + reason : field + " " + reason
    }
}
