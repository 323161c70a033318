import HookstreamCore
import JSONValue
import Testing

@Suite struct AlertStateTests {
    static let minute: Int64 = 60_000
    static let cooldown = 10 * minute
    static let quiet = 5 * minute

    /// (condition per evaluation at minute n) → action per evaluation.
    static let table: [(String, [Bool], [AlertState.Action?])] = [
        ("fires once, then waits out the cooldown", [true, true, true], [.trigger, nil, nil]),
        ("clear alone does nothing", [false, false], [nil, nil]),
        ("resolves after the quiet time counted from the last holding check", [true, false, false, false, false, false, false],
         [.trigger, nil, nil, nil, nil, .resolve, nil]),
        ("a blip inside the quiet time restarts it", [true, false, false, true, false, false, false, false, false],
         [.trigger, nil, nil, nil, nil, nil, nil, nil, .resolve]),
    ]

    @Test(arguments: table)
    func steps(_ name: String, _ holds: [Bool], _ expected: [AlertState.Action?]) {
        var state = AlertState()
        let actions = holds.enumerated().map { n, h in state.step(holds: h, now: Int64(n) * Self.minute, cooldown: Self.cooldown, autoResolve: Self.quiet) }
        #expect(actions == expected, "\(name)")
    }

    @Test func stillFiringRenotifiesEachCooldownAndReturnsQuietlyWithinIt() {
        var state = AlertState()
        #expect(state.step(holds: true, now: 0, cooldown: Self.cooldown, autoResolve: Self.quiet) == .trigger)
        #expect(state.step(holds: true, now: Self.cooldown - 1, cooldown: Self.cooldown, autoResolve: Self.quiet) == nil)
        #expect(state.step(holds: true, now: Self.cooldown, cooldown: Self.cooldown, autoResolve: Self.quiet) == .trigger)
        #expect(state.lastTriggeredAt == Self.cooldown)
        // Resolved, then back within the cooldown: no new trigger until the cooldown is over.
        #expect(state.step(holds: false, now: Self.cooldown + Self.quiet, cooldown: Self.cooldown, autoResolve: Self.quiet) == .resolve)
        #expect(state.step(holds: true, now: Self.cooldown + Self.quiet + 1, cooldown: Self.cooldown, autoResolve: Self.quiet) == nil)
        #expect(!state.triggered)
        #expect(state.step(holds: true, now: 2 * Self.cooldown, cooldown: Self.cooldown, autoResolve: Self.quiet) == .trigger)
        #expect(state.triggered)
    }
}

@Suite struct AlertConditionTests {
    static func config(_ type: AlertRuleType, _ json: JSON = [:]) throws -> AlertRuleConfig {
        try AlertRuleConfig.parse(json.objectValue ?? [:], type: type)
    }

    @Test func failureRateComparesFailuresOverDeliveries() throws {
        let c = try Self.config(.failureRate, ["threshold": 10])
        #expect(c.threshold == 0.1)
        let firing = AlertCondition.evaluate(.failureRate, c, AlertFacts(deliveries: 20, failures: 3))
        #expect(firing == AlertCondition(holds: true, message: "Failure rate 15% exceeds 10% threshold (3 of 20 deliveries in the last 5 min)"))
        #expect(!AlertCondition.evaluate(.failureRate, c, AlertFacts(deliveries: 10, failures: 1)).holds)
        #expect(!AlertCondition.evaluate(.failureRate, c, AlertFacts()).holds)
    }

    @Test func latencyReadsThePercentileOfTheWindow() throws {
        let c = try Self.config(.latency, ["threshold_ms": 2000, "percentile_target": 0.95])
        #expect(c.percentileTarget == 95)
        var slow = LatencyHistogram()
        for ms in [100, 200, 300] + Array(repeating: 2500, count: 7) { slow.record(millis: Int64(ms)) }
        #expect(AlertCondition.evaluate(.latency, c, AlertFacts(latency: slow)).holds)
        var fast = LatencyHistogram()
        for _ in 0..<100 { fast.record(millis: 40) }
        #expect(AlertCondition.evaluate(.latency, c, AlertFacts(latency: fast)) == AlertCondition(holds: false, message: "p95 latency 40 ms is within the 2000 ms threshold (100 deliveries in the last 5 min)"))
    }

    @Test(arguments: [(10, 4, true), (10, 5, true), (10, 6, false), (0, 0, false), (0, 3, false)] as [(Int64, Int64, Bool)])
    func volumeDropComparesWithThePreviousWindow(_ previous: Int64, _ now: Int64, _ fires: Bool) throws {
        let c = try Self.config(.volumeDrop, ["threshold": 50])
        #expect(AlertCondition.evaluate(.volumeDrop, c, AlertFacts(events: now, previousEvents: previous)).holds == fires)
    }

    @Test func dlqAndIssueOpened() throws {
        let dlq = try Self.config(.dlq, ["threshold": 2])
        #expect(!AlertCondition.evaluate(.dlq, dlq, AlertFacts(deadLettered: 2)).holds)
        #expect(AlertCondition.evaluate(.dlq, dlq, AlertFacts(deadLettered: 3)).holds)
        let opened = AlertCondition.evaluate(.issueOpened, try Self.config(.issueOpened), AlertFacts(issuesOpened: 2, newestIssue: "HTTP 503 from Billing"))
        #expect(opened == AlertCondition(holds: true, message: "2 issues opened in the last 5 min: HTTP 503 from Billing"))
    }

    @Test func windowsAreMinuteBuckets() {
        // 12:07:30 with a 5-minute window.
        let now: Int64 = 1_772_366_850_000
        let minute: Int64 = 60_000
        let start = now / minute * minute
        let w = AlertWindows(now: now, windowMinutes: 5)
        #expect(w.current == (start - 4 * minute)..<(start + minute))
        #expect(w.volume == (start - 5 * minute)..<start)
        #expect(w.previousVolume == (start - 10 * minute)..<(start - 5 * minute))
    }

    @Test func typeNamesIncludeTheCLIAlias() {
        #expect(AlertRuleType(name: "high_latency") == .latency)
        #expect(AlertRuleType(name: "latency") == .latency)
        #expect(AlertRuleType(name: "cpu") == nil)
    }
}
