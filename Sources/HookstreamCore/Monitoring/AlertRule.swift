public import JSONValue

/// A condition on recent traffic that notifies channels when it holds: the settings a user
/// gives (`POST /v1/alert-rules`) and the evaluation state the scheduler keeps beside them.
public struct AlertRule: Sendable, Equatable {
    public var id: String
    public var tenant: Tenant
    public var name: String
    public var type: AlertRuleType
    public var config: AlertRuleConfig
    /// Optional scope: `volume_drop` counts one source's events, the others look at one
    /// destination's deliveries (or issues).
    public var sourceID: String?
    public var destinationID: String?
    public var channelIDs: [String]
    public var cooldownMinutes: Double
    public var enabled: Bool
    public var state: AlertState
    /// When the scheduler last looked at the rule (Unix milliseconds).
    public var lastEvaluatedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, tenant: Tenant, name: String, type: AlertRuleType, config: AlertRuleConfig, sourceID: String? = nil,
        destinationID: String? = nil, channelIDs: [String], cooldownMinutes: Double = 60, enabled: Bool = true, state: AlertState = AlertState(),
        lastEvaluatedAt: Int64? = nil, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.type = type
        self.config = config
        self.sourceID = sourceID
        self.destinationID = destinationID
        self.channelIDs = channelIDs
        self.cooldownMinutes = cooldownMinutes
        self.enabled = enabled
        self.state = state
        self.lastEvaluatedAt = lastEvaluatedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public enum AlertRuleType: String, Sendable, CaseIterable {
    case failureRate = "failure_rate"
    case latency
    case volumeDrop = "volume_drop"
    case dlq
    case issueOpened = "issue_opened"

    /// The API's names plus the CLI page's `high_latency` for `latency`.
    public init?(name: String) {
        if name == "high_latency" {
            self = .latency
        } else {
            self.init(rawValue: name)
        }
    }

    /// Whether the rule is scoped by source (`volume_drop`) rather than by destination.
    public var scopedBySource: Bool { self == .volumeDrop }
}

/// A rule's validated `rule_config`, normalised: fractions as fractions (a `failure_rate` or
/// `volume_drop` threshold above 1 was a percentage), percentiles as percents.
public struct AlertRuleConfig: Sendable, Equatable {
    /// `failure_rate` and `volume_drop`: a fraction in (0, 1]; `dlq`: a count.
    public var threshold: Double?
    /// `latency` only.
    public var thresholdMs: Double?
    public var percentileTarget: Double?
    /// The window looked at (and, for `volume_drop`, the one before it is compared with).
    public var windowMinutes: Int

    public static let defaultWindowMinutes = 5

    public init(threshold: Double? = nil, thresholdMs: Double? = nil, percentileTarget: Double? = nil, windowMinutes: Int = defaultWindowMinutes) {
        self.threshold = threshold
        self.thresholdMs = thresholdMs
        self.percentileTarget = percentileTarget
        self.windowMinutes = windowMinutes
    }

    /// The members each type accepts.
    public static func fields(for type: AlertRuleType) -> [String] {
        switch type {
        case .failureRate, .volumeDrop, .dlq: ["threshold", "window_minutes"]
        case .latency: ["threshold_ms", "percentile_target", "window_minutes"]
        case .issueOpened: ["window_minutes"]
        }
    }

    /// Validates `config` for `type`; absent settings take the defaults the monitoring guide
    /// describes (10 % failures, p95 over 2 s, half the volume gone, any dead letter).
    /// - Throws: `AlertRuleError` with a message fit for a 400.
    public static func parse(_ config: JSONObject, type: AlertRuleType) throws(AlertRuleError) -> AlertRuleConfig {
        let allowed = fields(for: type)
        for key in config.keys where !allowed.contains(key) {
            throw AlertRuleError("Unknown field 'rule_config.\(key)' for a \(type.rawValue) rule (accepted: \(allowed.joined(separator: ", ")))")
        }
        var parsed = AlertRuleConfig()
        if let window = try number(config, "window_minutes") {
            guard window == window.rounded(), (1...1440).contains(window) else {
                throw AlertRuleError("'rule_config.window_minutes' must be a whole number of minutes from 1 to 1440")
            }
            parsed.windowMinutes = Int(window)
        }
        switch type {
        case .failureRate, .volumeDrop:
            let given = try number(config, "threshold") ?? (type == .failureRate ? 0.1 : 0.5)
            // The API page writes 0.1, the guide 10: a value above 1 is a percentage.
            guard given > 0, given <= 100 else {
                throw AlertRuleError("'rule_config.threshold' must be a fraction in (0, 1] or a percentage in (1, 100], not \(JSNumberFormat.string(given))")
            }
            parsed.threshold = given > 1 ? given / 100 : given
        case .dlq:
            let given = try number(config, "threshold") ?? 0
            guard given >= 0, given == given.rounded(), given <= 1_000_000_000 else {
                throw AlertRuleError("'rule_config.threshold' of a dlq rule is a whole number of dead-lettered deliveries ≥ 0")
            }
            parsed.threshold = given
        case .latency:
            let ms = try number(config, "threshold_ms") ?? 2000
            guard ms > 0, ms <= 3_600_000 else { throw AlertRuleError("'rule_config.threshold_ms' must be in (0, 3600000] milliseconds") }
            var target = try number(config, "percentile_target") ?? 95
            if target > 0, target < 1 { target *= 100 }
            guard target >= 1, target <= 99.9 else {
                throw AlertRuleError("'rule_config.percentile_target' must be a percentile from 1 to 99.9 (95 for p95)")
            }
            parsed.thresholdMs = ms
            parsed.percentileTarget = target
        case .issueOpened:
            break
        }
        return parsed
    }

    private static func number(_ config: JSONObject, _ key: String) throws(AlertRuleError) -> Double? {
        switch config[key] {
        case nil, .null?: return nil
        case .number(let n)?: return n
        default: throw AlertRuleError("'rule_config.\(key)' must be a number")
        }
    }

    /// The stored and shown form.
    public var json: JSON {
        var o = JSONObject()
        if let threshold { o["threshold"] = .number(threshold) }
        if let thresholdMs { o["threshold_ms"] = .number(thresholdMs) }
        if let percentileTarget { o["percentile_target"] = .number(percentileTarget) }
        o["window_minutes"] = .number(Double(windowMinutes))
        return .object(o)
    }

    public init(json: JSON) {
        threshold = json["threshold"]?.numberValue
        thresholdMs = json["threshold_ms"]?.numberValue
        percentileTarget = json["percentile_target"]?.numberValue
        windowMinutes = json["window_minutes"]?.numberValue.map { Int($0) } ?? Self.defaultWindowMinutes
    }
}

public struct AlertRuleError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// One trigger of a rule (`ah_…`), resolved once the rule auto-resolves.
public struct AlertHistoryEntry: Sendable, Equatable {
    public var id: String
    public var tenant: Tenant
    public var ruleID: String
    public var triggeredAt: Int64
    public var resolvedAt: Int64?
    public var message: String

    public init(id: String, tenant: Tenant, ruleID: String, triggeredAt: Int64, resolvedAt: Int64? = nil, message: String) {
        self.id = id
        self.tenant = tenant
        self.ruleID = ruleID
        self.triggeredAt = triggeredAt
        self.resolvedAt = resolvedAt
        self.message = message
    }
}
