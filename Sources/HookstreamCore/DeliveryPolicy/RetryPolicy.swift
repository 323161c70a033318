public import Foundation
public import JSONValue

/// How a destination spaces its retries (`retry_backoff_type`).
public enum BackoffType: String, CaseIterable, Codable, Hashable, Sendable {
    /// Retry *n* waits `intervals[n-1]`; past the end of the array, the last value.
    case exponential
    /// Retry *n* waits `intervals[0] × n`.
    case linear
    /// Every retry waits `intervals[0]`.
    case fixed
}

/// A destination's retry settings: how many attempts an event gets and how long to wait
/// between them. Pure data; the schedule itself is in `RetryPolicy+Schedule.swift`.
///
/// The API fields are `retry_max_attempts` (attempts in total, the first one included, 1–10,
/// default 5), `retry_backoff_type` (default `exponential`) and `retry_intervals` (seconds,
/// fractions allowed, default `[30, 300, 1800, 7200, 86400]`).
///
/// ```swift
/// let policy = try RetryPolicy(json: requestObject)   // missing keys take the defaults
/// policy.decision(afterFailedAttempt: 1)             // .retry(after: 30)
/// ```
public struct RetryPolicy: Hashable, Sendable {
    public static let maxAttemptsRange = 1...10
    public static let defaultMaxAttempts = 5
    public static let defaultBackoff = BackoffType.exponential
    public static let defaultIntervals: [TimeInterval] = [30, 300, 1800, 7200, 86400]
    /// The most entries `retry_intervals` may hold. Only `retry_max_attempts - 1 ≤ 9` are ever
    /// used; the bound only stops absurd payloads from being stored.
    public static let maxIntervalCount = 100
    /// The longest single interval: 30 days, the default event retention, because a retry
    /// scheduled past retention would find its event archived.
    public static let maxInterval: TimeInterval = 30 * 86400

    /// The spec's defaults: 5 attempts, exponential, `[30, 300, 1800, 7200, 86400]`.
    public static let `default` = RetryPolicy(
        validated: defaultMaxAttempts, backoff: defaultBackoff, intervals: defaultIntervals)

    /// Attempts in total, the first included; after the last one fails the delivery goes to the
    /// dead-letter queue.
    public let maxAttempts: Int
    public let backoff: BackoffType
    /// Delays in seconds; never empty, every entry finite and in `0...maxInterval`.
    public let intervals: [TimeInterval]

    /// Builds a policy, checking every value against the API's ranges.
    ///
    /// - Throws: ``RetryPolicyError`` naming the offending API field.
    public init(
        maxAttempts: Int = defaultMaxAttempts,
        backoff: BackoffType = defaultBackoff,
        intervals: [TimeInterval] = defaultIntervals
    ) throws(RetryPolicyError) {
        guard Self.maxAttemptsRange.contains(maxAttempts) else {
            throw .maxAttempts("must be an integer from 1 to 10, not \(maxAttempts)")
        }
        try Self.check(intervals: intervals)
        self.init(validated: maxAttempts, backoff: backoff, intervals: intervals)
    }

    private init(validated maxAttempts: Int, backoff: BackoffType, intervals: [TimeInterval]) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.intervals = intervals
    }

    /// Reads `retry_max_attempts`, `retry_backoff_type` and `retry_intervals` from a request
    /// object; absent keys keep `base`'s value (pass the stored policy for a PATCH), and an
    /// explicit `null` restores the spec's default for that field.
    ///
    /// - Throws: ``RetryPolicyError`` for a wrong type or a value out of range.
    public init(json object: JSONObject, base: RetryPolicy = .default) throws(RetryPolicyError) {
        var maxAttempts = base.maxAttempts
        var backoff = base.backoff
        var intervals = base.intervals

        switch object["retry_max_attempts"] {
        case nil: break
        case .null?: maxAttempts = Self.defaultMaxAttempts
        case .number(let n)? where n == n.rounded() && Double(Self.maxAttemptsRange.lowerBound) <= n
            && n <= Double(Self.maxAttemptsRange.upperBound):
            maxAttempts = Int(n)
        case .number(let n)?:
            throw .maxAttempts("must be an integer from 1 to 10, not \(JSNumberFormat.string(n))")
        case let other?:
            throw .maxAttempts("must be an integer from 1 to 10, not \(other.articledTypeName)")
        }

        switch object["retry_backoff_type"] {
        case nil: break
        case .null?: backoff = Self.defaultBackoff
        case .string(let name)?:
            guard let type = BackoffType(rawValue: name) else {
                throw .backoffType("must be one of exponential, linear, fixed, not \"\(name)\"")
            }
            backoff = type
        case let other?:
            throw .backoffType("must be one of exponential, linear, fixed, not \(other.articledTypeName)")
        }

        switch object["retry_intervals"] {
        case nil: break
        case .null?: intervals = Self.defaultIntervals
        case .array(let elements)?:
            intervals = []
            for (index, element) in elements.enumerated() {
                guard case .number(let seconds) = element else {
                    throw .intervals("[\(index)] must be a number of seconds, not \(element.articledTypeName)")
                }
                intervals.append(seconds)
            }
        case let other?:
            throw .intervals("must be an array of delays in seconds, not \(other.articledTypeName)")
        }

        try self.init(maxAttempts: maxAttempts, backoff: backoff, intervals: intervals)
    }

    /// The API fields, as destinations are answered.
    public var jsonFields: JSONObject {
        [
            "retry_max_attempts": .number(Double(maxAttempts)),
            "retry_backoff_type": .string(backoff.rawValue),
            "retry_intervals": .array(intervals.map(JSON.number)),
        ]
    }

    private static func check(intervals: [TimeInterval]) throws(RetryPolicyError) {
        guard !intervals.isEmpty else {
            throw .intervals("must hold at least one delay in seconds")
        }
        guard intervals.count <= maxIntervalCount else {
            throw .intervals("may hold at most \(maxIntervalCount) delays, not \(intervals.count)")
        }
        for (index, seconds) in intervals.enumerated()
        where !(seconds.isFinite && seconds >= 0 && seconds <= maxInterval) {
            let shown = seconds.isFinite ? JSNumberFormat.string(seconds) : "\(seconds)"
            throw .intervals("[\(index)] must be from 0 to \(Int(maxInterval)) seconds, not \(shown)")
        }
    }
}

extension RetryPolicy: Codable {
    private enum CodingKeys: String, CodingKey {
        case maxAttempts = "retry_max_attempts"
        case backoff = "retry_backoff_type"
        case intervals = "retry_intervals"
    }

    /// Decodes the three API fields (each optional, defaulting as the spec says) and validates.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var object = JSONObject()
        for key in [CodingKeys.maxAttempts, .backoff, .intervals] where container.contains(key) {
            object[key.rawValue] = try container.decode(JSON.self, forKey: key)
        }
        do {
            try self.init(json: object)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(backoff, forKey: .backoff)
        try container.encode(intervals, forKey: .intervals)
    }
}
