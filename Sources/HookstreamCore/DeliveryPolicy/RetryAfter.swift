public import Foundation

/// Reading a receiver's `Retry-After` header (RFC 9110 §10.2.3).
///
/// ```swift
/// let wait = RetryAfter.delay(statusCode: 503, headerValue: response.headers.first(name: "Retry-After"), now: .now)
/// policy.decision(afterFailedAttempt: n, retryAfter: wait)
/// ```
public enum RetryAfter {
    /// Whether a response with this status has its `Retry-After` honoured: 429 Too Many
    /// Requests and 503 Service Unavailable, the two statuses whose meaning includes "come back
    /// later". On a 3xx the header is about redirects, on anything else it is noise.
    public static func applies(toStatus statusCode: Int) -> Bool {
        statusCode == 429 || statusCode == 503
    }

    /// The wait `headerValue` asks for, in seconds from `now`, for a status it applies to;
    /// `nil` when the status does not honour it or the header is absent or malformed.
    public static func delay(statusCode: Int, headerValue: String?, now: Date) -> TimeInterval? {
        guard applies(toStatus: statusCode), let headerValue else { return nil }
        return delay(headerValue: headerValue, now: now)
    }

    /// Parses either form the RFC allows: delta-seconds (`120`) or an HTTP-date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`, and the obsolete RFC 850 and asctime forms).
    /// A date already past means "now" (0). Returns `nil` for anything else, including negative
    /// or fractional seconds, which the grammar does not allow.
    public static func delay(headerValue: String, now: Date) -> TimeInterval? {
        let value = headerValue.trimmingCharacters(in: .whitespaces)
        if !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            // Enormous values still mean "a long time"; the schedule caps them anyway.
            return Double(value)
        }
        guard let date = HTTPDate.parse(value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
