import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `/v1/alert-rules` and the alert scheduler through real HTTP: real deliveries to local
/// receivers feed the rollups, rules are evaluated every second of an injected clock, and the
/// notifications arrive at a local webhook channel.
@Suite struct AlertRulesTests {
    struct Setup {
        var server: TestServer
        var clock: ManualClock
        var channelReceiver: TestReceiver
        var channel: String
    }

    static func start() async throws -> Setup {
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.clock = clock
            $0.alertIntervalSeconds = 1
            $0.alertAutoResolveSeconds = 60
            $0.notificationRetryDelaysSeconds = [0.05]
        }
        let receiver = try await TestReceiver.start()
        let channel = try await create(server.client, "/v1/notification-channels", ["name": "Ops", "channel_type": "webhook", "config": ["url": .string(receiver.url)]])
        return Setup(server: server, clock: clock, channelReceiver: receiver, channel: channel)
    }

    static func create(_ client: TestHTTPClient, _ path: String, _ body: JSON) async throws -> String {
        let r = try await client.post(path, body)
        let created = r.json["alert_rule"] ?? r.json
        return try #require(created["id"]?.stringValue, "\(r.status) \(r.text)")
    }

    /// The notifications the channel received for `rule`, as (`alert.triggered`|`alert.resolved`, message).
    static func notifications(_ receiver: TestReceiver, rule: String) -> [(type: String, message: String)] {
        receiver.requests.compactMap { request in
            guard let body = try? JSON(parsing: request.body), body["alert_rule"]?["id"]?.stringValue == rule else { return nil }
            return (body["type"]?.stringValue ?? "", body["message"]?.stringValue ?? "")
        }
    }

    /// Moves the injected clock a second at a time (each second is one evaluation) until
    /// `done` holds, with a generous real-time deadline.
    static func drive(_ clock: ManualClock, timeout: Duration = .seconds(60), until done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await done() { return }
            clock.advance(by: .seconds(1))
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("condition not reached by driving the clock")
    }

    @Test func eachRuleTypeFiresAndAutoResolves() async throws {
        let s = try await Self.start()
        defer { s.server.stop(); s.channelReceiver.stop() }
        let c = s.server.client
        let failing = try await TestReceiver.start()
        defer { failing.stop() }
        failing.setDefault(.status(500))
        let slow = try await TestReceiver.start()
        defer { slow.stop() }
        slow.setDefault(.stall(seconds: 1))
        let source = try await Self.create(c, "/v1/sources", ["name": "Shop"])
        let bad = try await Self.create(c, "/v1/destinations", ["name": "Bad", "url": .string(failing.url), "retry_max_attempts": 1])
        let laggy = try await Self.create(c, "/v1/destinations", ["name": "Laggy", "url": .string(slow.url), "retry_max_attempts": 1])
        for d in [bad, laggy] { _ = try await Self.create(c, "/v1/connections", ["source_id": .string(source), "destination_id": .string(d)]) }
        let channels: JSON = [.string(s.channel)]
        let rules: [String: String] = [
            "failure_rate": try await Self.create(
                c, "/v1/alert-rules",
                ["name": "Errors", "rule_type": "failure_rate", "rule_config": ["threshold": 50], "destination_id": .string(bad), "channel_ids": channels]),
            "latency": try await Self.create(
                c, "/v1/alert-rules",
                ["name": "Slow", "rule_type": "high_latency", "rule_config": ["threshold_ms": 2000, "percentile_target": 95], "destination_id": .string(laggy),
                 "channel_ids": channels]),
            "volume_drop": try await Self.create(
                c, "/v1/alert-rules",
                ["name": "Quiet", "rule_type": "volume_drop", "rule_config": ["threshold": 0.5, "window_minutes": 1], "source_id": .string(source),
                 "channel_ids": channels]),
            "dlq": try await Self.create(
                c, "/v1/alert-rules", ["name": "DLQ", "rule_type": "dlq", "rule_config": ["threshold": 1], "destination_id": .string(bad), "channel_ids": channels]),
            "issue_opened": try await Self.create(c, "/v1/alert-rules", ["name": "Issues", "rule_type": "issue_opened", "channel_ids": channels]),
        ]

        for n in 0..<3 { #expect(try await s.server.anonymous.post("/v1/ingest/\(source)", ["n": .number(Double(n))]).status == 200) }
        _ = try await failing.waitFor(count: 3)
        // Latency is measured on the injected clock: each slow answer takes 3 s of it.
        for n in 1...3 {
            _ = try await slow.waitFor(count: n)
            s.clock.advance(by: .seconds(3))
        }
        try await c.eventually("/v1/delivery-attempts?status=failed") { $0["pagination"]?["total"] == 3 }
        try await c.eventually("/v1/delivery-attempts?status=success") { $0["pagination"]?["total"] == 3 }

        try await Self.drive(s.clock) { rules.values.allSatisfy { Self.notifications(s.channelReceiver, rule: $0).count >= 1 } }
        for (type, id) in rules {
            let sent = Self.notifications(s.channelReceiver, rule: id)
            #expect(sent.first?.type == "alert.triggered", "\(type): \(sent)")
            let detail = try await c.eventually("/v1/alert-rules/\(id)") { $0["history"]?.arrayValue?.count == 1 }
            #expect(detail["alert_rule"]?["status"] == "triggered", "\(type)")
            #expect(detail["alert_rule"]?["last_triggered_at"]?.stringValue != nil, "\(type)")
            let history = detail["history"]?.arrayValue ?? []
            #expect(history.count == 1 && history[0]["id"]?.stringValue?.hasPrefix("ah_") == true, "\(type): \(history)")
            #expect(history.first?["message"]?.stringValue == sent.first?.message)
        }
        #expect(Self.notifications(s.channelReceiver, rule: rules["failure_rate"]!).first?.message.hasPrefix("Failure rate 100% exceeds 50% threshold") == true)
        // (Advancing the clock for the slow answers also runs evaluations, so on a loaded
        // machine the rule can fire before the third delivery is recorded: any count will do.)
        #expect(Self.notifications(s.channelReceiver, rule: rules["latency"]!).first?.message.contains(" ms exceeds 2000 ms threshold (") == true)
        #expect(Self.notifications(s.channelReceiver, rule: rules["volume_drop"]!).first?.message.hasPrefix("Event volume dropped 100%") == true)
        #expect(Self.notifications(s.channelReceiver, rule: rules["dlq"]!).first?.message.contains("deliveries dead-lettered in the last 5 min, more than the threshold of 1") == true)
        #expect(Self.notifications(s.channelReceiver, rule: rules["issue_opened"]!).first?.message.hasPrefix("1 issue opened") == true)

        // Past the windows the conditions clear; a quiet minute later each rule resolves, once.
        s.clock.advance(by: .seconds(600))
        try await Self.drive(s.clock) { rules.values.allSatisfy { Self.notifications(s.channelReceiver, rule: $0).count >= 2 } }
        for (type, id) in rules {
            let sent = Self.notifications(s.channelReceiver, rule: id)
            #expect(sent.map(\.type) == ["alert.triggered", "alert.resolved"], "\(type): \(sent)")
            let detail = try await c.eventually("/v1/alert-rules/\(id)") { $0["alert_rule"]?["status"] == "ok" }
            #expect(detail["alert_rule"]?["status"] == "ok", "\(type)")
            #expect(detail["history"]?[0]?["resolved_at"]?.stringValue != nil, "\(type)")
        }
    }

    @Test func aFiringRuleNotifiesOncePerCooldown() async throws {
        let s = try await Self.start()
        defer { s.server.stop(); s.channelReceiver.stop() }
        let c = s.server.client
        let failing = try await TestReceiver.start()
        defer { failing.stop() }
        failing.setDefault(.status(503))
        let source = try await Self.create(c, "/v1/sources", ["name": "Shop"])
        let bad = try await Self.create(c, "/v1/destinations", ["name": "Bad", "url": .string(failing.url), "retry_max_attempts": 1])
        _ = try await Self.create(c, "/v1/connections", ["source_id": .string(source), "destination_id": .string(bad)])
        let rule = try await Self.create(
            c, "/v1/alert-rules",
            ["name": "Errors", "rule_type": "failure_rate", "rule_config": ["threshold": 0.1, "window_minutes": 30], "cooldown_minutes": 2,
             "channel_ids": [.string(s.channel)]])
        _ = try await s.server.anonymous.post("/v1/ingest/\(source)", ["n": 1])
        try await c.eventually("/v1/delivery-attempts?status=failed") { $0["pagination"]?["total"] == 1 }

        try await Self.drive(s.clock) { Self.notifications(s.channelReceiver, rule: rule).count == 1 }
        // Notifications go out before the evaluation is stored (at least once): wait for it.
        let stored = try await c.eventually("/v1/alert-rules/\(rule)") { $0["alert_rule"]?["last_triggered_at"]?.stringValue != nil }
        let first = try #require(Timestamp.parse(stored["alert_rule"]?["last_triggered_at"]?.stringValue ?? ""))
        // Still failing a minute and a half later: evaluated, not notified again.
        s.clock.advance(to: first.addingTimeInterval(90))
        try await Self.drive(s.clock) {
            let evaluated = try await c.get("/v1/alert-rules/\(rule)").json["alert_rule"]?["last_evaluated_at"]?.stringValue
            return (evaluated.flatMap(Timestamp.parse) ?? .distantPast) >= first.addingTimeInterval(90)
        }
        #expect(Self.notifications(s.channelReceiver, rule: rule).count == 1)
        // Once the cooldown has passed, the rule (still firing) notifies again and logs it.
        try await Self.drive(s.clock) { Self.notifications(s.channelReceiver, rule: rule).count == 2 }
        // The history row and the rule's last_triggered_at are read back once both show it.
        let detail = try await c.eventually("/v1/alert-rules/\(rule)") {
            $0["history"]?.arrayValue?.count == 2 && $0["alert_rule"]?["last_triggered_at"] != stored["alert_rule"]?["last_triggered_at"]
        }
        #expect(detail["history"]?.arrayValue?.count == 2)
        let second = try #require(Timestamp.parse(detail["alert_rule"]?["last_triggered_at"]?.stringValue ?? ""))
        #expect(second.timeIntervalSince(first) >= 120)
        #expect(Self.notifications(s.channelReceiver, rule: rule).map(\.type) == ["alert.triggered", "alert.triggered"])
    }

    @Test func crudValidatesAndIsolates() async throws {
        let s = try await Self.start()
        defer { s.server.stop(); s.channelReceiver.stop() }
        let c = s.server.client
        let created = try await c.post(
            "/v1/alert-rules", ["name": "High Error Rate", "rule_type": "failure_rate", "rule_config": ["threshold": 10], "channel_ids": [.string(s.channel)]])
        #expect(created.status == 201, "\(created.text)")
        let rule = try #require(created.json["alert_rule"])
        let id = try #require(rule["id"]?.stringValue)
        #expect(id.hasPrefix("ar_"))
        // The guide's percentage reads as the API's fraction.
        #expect(rule["rule_config"]?["threshold"] == 0.1)
        #expect(rule["rule_config"]?["window_minutes"] == 5)
        #expect(rule["cooldown_minutes"] == 60 && rule["enabled"] == true && rule["last_triggered_at"] == .null)
        #expect(rule["channel_ids"] == [.string(s.channel)])

        let patched = try await c.patch("/v1/alert-rules/\(id)", ["rule_config": ["threshold": 0.05], "cooldown_minutes": 30, "enabled": false])
        #expect(patched.status == 200)
        #expect(patched.json["alert_rule"]?["rule_config"]?["threshold"] == 0.05)
        #expect(patched.json["alert_rule"]?["cooldown_minutes"] == 30 && patched.json["alert_rule"]?["enabled"] == false)
        #expect(try await c.get("/v1/alert-rules").json["alert_rules"]?.arrayValue?.count == 1)
        #expect(try await c.get("/v1/alert-rules/\(id)").json["history"] == [])

        // A channel an alert rule sends to cannot be deleted from under it.
        let inUse = try await c.delete("/v1/notification-channels/\(s.channel)")
        #expect(inUse.status == 409 && inUse.json["error"]?.stringValue?.contains(id) == true, "\(inUse.text)")

        let other = try await s.server.newTenantKey()
        #expect(try await other.get("/v1/alert-rules/\(id)").status == 404)
        #expect(try await other.patch("/v1/alert-rules/\(id)", ["name": "x"]).status == 404)
        #expect(try await other.get("/v1/alert-rules").json["alert_rules"] == [])
        // Another tenant's channel is an unknown channel.
        #expect(try await other.post("/v1/alert-rules", ["name": "x", "rule_type": "dlq", "channel_ids": [.string(s.channel)]]).status == 400)

        #expect(try await c.delete("/v1/alert-rules/\(id)").json["deleted"] == true)
        #expect(try await c.get("/v1/alert-rules/\(id)").status == 404)
        #expect(try await c.delete("/v1/notification-channels/\(s.channel)").status == 200)
    }

    @Test(arguments: [
        (["name": "x", "rule_type": "cpu"] as JSON, "'rule_type' must be one of"),
        (["name": "x"] as JSON, "'rule_type' is required"),
        (["rule_type": "dlq"] as JSON, "'name' is required"),
        (["name": "x", "rule_type": "dlq", "channel_ids": ["nc_0123456789abcdef0123456789abcdef"]] as JSON, "unknown notification channel"),
        (["name": "x", "rule_type": "failure_rate", "rule_config": ["threshold": 150]] as JSON, "'rule_config.threshold'"),
        (["name": "x", "rule_type": "failure_rate", "rule_config": ["threshold": 0]] as JSON, "'rule_config.threshold'"),
        (["name": "x", "rule_type": "volume_drop", "rule_config": ["threshold": -0.5]] as JSON, "'rule_config.threshold'"),
        (["name": "x", "rule_type": "dlq", "rule_config": ["threshold": 1.5]] as JSON, "'rule_config.threshold'"),
        (["name": "x", "rule_type": "latency", "rule_config": ["threshold_ms": 0]] as JSON, "'rule_config.threshold_ms'"),
        (["name": "x", "rule_type": "latency", "rule_config": ["percentile_target": 100]] as JSON, "'rule_config.percentile_target'"),
        (["name": "x", "rule_type": "latency", "rule_config": ["threshold": 2000]] as JSON, "rule_config.threshold"),
        (["name": "x", "rule_type": "dlq", "rule_config": ["window_minutes": 0]] as JSON, "'rule_config.window_minutes'"),
        (["name": "x", "rule_type": "dlq", "rule_config": "fast"] as JSON, "'rule_config' must be an object"),
        (["name": "x", "rule_type": "dlq", "cooldown_minutes": -1] as JSON, "'cooldown_minutes'"),
        (["name": "x", "rule_type": "dlq", "source_id": "src_0123456789abcdef0123456789abcdef"] as JSON, "'source_id' scopes volume_drop rules only"),
        (["name": "x", "rule_type": "dlq", "destination_id": "dst_0123456789abcdef0123456789abcdef"] as JSON, "unknown destination"),
        (["name": "x", "rule_type": "dlq", "severity": "high"] as JSON, "severity"),
    ])
    func badInputIsA400(_ body: JSON, _ mentions: String) async throws {
        let s = try await Self.start()
        defer { s.server.stop(); s.channelReceiver.stop() }
        let r = try await s.server.client.post("/v1/alert-rules", body)
        #expect(r.status == 400, "\(r.text)")
        #expect(r.json["error"]?.stringValue?.contains(mentions) == true, "\(r.text)")
        #expect(r.json["status"] == 400 && r.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        #expect(try await s.server.client.get("/v1/alert-rules").json["alert_rules"] == [])
    }
}
