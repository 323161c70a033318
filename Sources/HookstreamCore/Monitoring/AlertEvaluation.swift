import Foundation
import JSONValue

/// What the rollups say about a rule's window, gathered by the scheduler (one read per rule).
public struct AlertFacts: Sendable, Equatable {
    /// Finished delivery attempts in the window, failures among them, dead-lettered among them.
    public var deliveries: Int64
    public var failures: Int64
    public var deadLettered: Int64
    public var latency: LatencyHistogram
    /// Events received in the window and in the window before it (`volume_drop`).
    public var events: Int64
    public var previousEvents: Int64
    /// Issues opened in the window, and the newest one's message.
    public var issuesOpened: Int
    public var newestIssue: String?

    public init(
        deliveries: Int64 = 0, failures: Int64 = 0, deadLettered: Int64 = 0, latency: LatencyHistogram = LatencyHistogram(), events: Int64 = 0,
        previousEvents: Int64 = 0, issuesOpened: Int = 0, newestIssue: String? = nil
    ) {
        self.deliveries = deliveries
        self.failures = failures
        self.deadLettered = deadLettered
        self.latency = latency
        self.events = events
        self.previousEvents = previousEvents
        self.issuesOpened = issuesOpened
        self.newestIssue = newestIssue
    }
}

/// The windows a rule reads at `now`, as minute-bucket ranges (Unix milliseconds).
public struct AlertWindows: Sendable, Equatable {
    public static let minute: Int64 = 60_000

    /// The last `window_minutes` buckets, the current (partial) minute included, so a burst of
    /// failures shows at the next evaluation rather than a minute later.
    public var current: Range<Int64>
    /// For `volume_drop`: the last complete `window_minutes` and the ones before them; the
    /// partial minute is left out, or every evaluation early in a minute would see a drop.
    public var volume: Range<Int64>
    public var previousVolume: Range<Int64>

    public init(now: Int64, windowMinutes: Int) {
        let minuteStart = now >= 0 ? now / Self.minute * Self.minute : (now - Self.minute + 1) / Self.minute * Self.minute
        let span = Int64(windowMinutes) * Self.minute
        current = (minuteStart + Self.minute - span)..<(minuteStart + Self.minute)
        volume = (minuteStart - span)..<minuteStart
        previousVolume = (minuteStart - 2 * span)..<(minuteStart - span)
    }
}

/// Whether a rule's condition holds over its facts, and a sentence saying why either way.
public struct AlertCondition: Sendable, Equatable {
    public var holds: Bool
    public var message: String

    public init(holds: Bool, message: String) {
        self.holds = holds
        self.message = message
    }

    /// The pure check of each rule type. A window without traffic never fires the rate and
    /// latency rules: no deliveries is not a failure rate of 0 or 100 %, it is no evidence.
    public static func evaluate(_ type: AlertRuleType, _ config: AlertRuleConfig, _ facts: AlertFacts) -> AlertCondition {
        let window = "the last \(config.windowMinutes) min"
        switch type {
        case .failureRate:
            let threshold = config.threshold ?? 0.1
            guard facts.deliveries > 0 else { return AlertCondition(holds: false, message: "No deliveries in \(window)") }
            let rate = Double(facts.failures) / Double(facts.deliveries)
            let summary = "(\(facts.failures) of \(facts.deliveries) deliveries in \(window))"
            return rate > threshold
                ? AlertCondition(holds: true, message: "Failure rate \(percent(rate)) exceeds \(percent(threshold)) threshold \(summary)")
                : AlertCondition(holds: false, message: "Failure rate \(percent(rate)) is within the \(percent(threshold)) threshold \(summary)")
        case .latency:
            let target = config.percentileTarget ?? 95
            let limit = config.thresholdMs ?? 2000
            let name = "p\(JSNumberFormat.string(target))"
            guard let value = facts.latency.percentile(target) else {
                return AlertCondition(holds: false, message: "No timed deliveries in \(window)")
            }
            let detail = "(\(facts.latency.total) deliveries in \(window))"
            return Double(value) > limit
                ? AlertCondition(holds: true, message: "\(name) latency \(value) ms exceeds \(Int64(limit)) ms threshold \(detail)")
                : AlertCondition(holds: false, message: "\(name) latency \(value) ms is within the \(Int64(limit)) ms threshold \(detail)")
        case .volumeDrop:
            let threshold = config.threshold ?? 0.5
            guard facts.previousEvents > 0 else {
                return AlertCondition(holds: false, message: "No events in the \(config.windowMinutes) min before \(window) to compare with")
            }
            let drop = max(0, Double(facts.previousEvents - facts.events) / Double(facts.previousEvents))
            let detail = "(\(facts.events) events in \(window), \(facts.previousEvents) in the \(config.windowMinutes) min before)"
            return drop >= threshold
                ? AlertCondition(holds: true, message: "Event volume dropped \(percent(drop)), at or over the \(percent(threshold)) threshold \(detail)")
                : AlertCondition(holds: false, message: "Event volume changed by \(percent(-drop)), within the \(percent(threshold)) threshold \(detail)")
        case .dlq:
            let threshold = Int64(config.threshold ?? 0)
            return facts.deadLettered > threshold
                ? AlertCondition(
                    holds: true, message: "\(facts.deadLettered) deliveries dead-lettered in \(window), more than the threshold of \(threshold)")
                : AlertCondition(holds: false, message: "\(facts.deadLettered) deliveries dead-lettered in \(window) (threshold \(threshold))")
        case .issueOpened:
            guard facts.issuesOpened > 0 else { return AlertCondition(holds: false, message: "No issue opened in \(window)") }
            let newest = facts.newestIssue.map { ": \($0)" } ?? ""
            let count = facts.issuesOpened == 1 ? "1 issue" : "\(facts.issuesOpened) issues"
            return AlertCondition(holds: true, message: "\(count) opened in \(window)\(newest)")
        }
    }

    /// `0.153` → `15.3%`, whole percents without decimals.
    static func percent(_ fraction: Double) -> String {
        let value = (fraction * 1000).rounded() / 10
        return JSNumberFormat.string(value) + "%"
    }
}
