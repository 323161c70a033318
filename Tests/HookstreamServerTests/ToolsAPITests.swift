import Foundation
import HookstreamCore
import HookstreamServer
import HookstreamTesting
import JSONValue
import Testing

/// `/v1/tools/…` through real HTTP. Targets are receivers on loopback, reached with
/// `--public-outbound all`; the refusals of `public` are proven with the resolver seam (names
/// pointed at loopback or private addresses) and literal addresses, never by connecting
/// anywhere but loopback.
@Suite struct ToolsAPITests {
    static func start(_ outbound: OutboundPolicy.PublicOutbound = .all, _ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> TestServer
    {
        try await TestServer.start {
            $0.outboundPolicy.publicOutbound = outbound
            $0.toolsRateLimit = 0
            $0.hostResolver = OutboundPolicyServerTests.FixedResolver(table: ["hooks.test": "127.0.0.1", "intranet.test": "10.1.2.3"])
            configure(&$0)
        }
    }

    @Test func healthCheckReportsHowTheEndpointAnswered() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.reply([.status(200, body: #"{"ok":true}"#), .status(503, body: "down")])

        let healthy = try await server.anonymous.post("/v1/tools/health-check", ["url": .string(receiver.url + "/hook")])
        #expect(healthy.status == 200, "\(healthy.text)")
        #expect(healthy.json["healthy"] == true && healthy.json["status_code"] == 200 && healthy.json["body"] == #"{"ok":true}"#)
        #expect(healthy.json["headers"]?["content-type"] == "application/json" && healthy.json["error"] == .null)
        #expect((healthy.json["latency_ms"]?.numberValue ?? -1) >= 0)
        let probe = try #require(receiver.requests.first)
        #expect(probe.path == "/hook" && probe.text.contains("hookstream.health_check"))
        #expect(probe.headers["user-agent"] == "hookstream-tools/1.0" && probe.headers["content-type"] == "application/json")

        let down = try await server.anonymous.post("/v1/tools/health-check", ["url": .string(receiver.url)])
        #expect(down.json["healthy"] == false && down.json["status_code"] == 503 && down.json["body"] == "down", "\(down.text)")

        // Nothing listening: still a 200 from the tool, with the reason.
        let closedPort = try ClosedPort()
        defer { closedPort.close() }
        let closed = closedPort.port
        let refused = try await server.anonymous.post("/v1/tools/health-check", ["url": .string("http://127.0.0.1:\(closed)/")])
        #expect(refused.status == 200 && refused.json["healthy"] == false && refused.json["status_code"] == .null, "\(refused.text)")
        #expect(refused.json["error"]?.stringValue?.contains("Connection refused") == true, "\(refused.text)")
    }

    @Test(arguments: [
        ("/v1/tools/health-check", [:] as JSON, "'url' is required"),
        ("/v1/tools/health-check", ["url": "ftp://example.com/x"] as JSON, "http or https"),
        ("/v1/tools/health-check", ["url": "https://example.com", "method": "GET"] as JSON, "Unknown field 'method'"),
        ("/v1/tools/health-check", ["url": "https://user:pw@example.com/"] as JSON, "credentials"),
        ("/v1/tools/schedule", ["url": "https://example.com"] as JSON, "'delay_seconds' is required"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 0] as JSON, "between 1 and 86400"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 90000] as JSON, "between 1 and 86400"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 5, "method": "TRACE"] as JSON, "'method' must be one of"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 5, "headers": ["Host": "evil"]] as JSON, "Host is set by hookstream"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 5, "headers": ["X-A": 1]] as JSON, "must be a string"),
        ("/v1/tools/schedule", ["url": "https://example.com", "delay_seconds": 5, "body": ["a": 1]] as JSON, "'body' must be a string"),
        ("/v1/tools/idempotency-test", ["url": "https://example.com", "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 1] as JSON,
         "between 2 and 10"),
        ("/v1/tools/idempotency-test", ["url": "https://example.com", "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 2.5] as JSON,
         "whole number"),
        ("/v1/tools/idempotency-test", ["url": "https://example.com", "idempotency_header": "Bad Header", "idempotency_value": "k", "count": 2] as JSON,
         "not a valid header name"),
        ("/v1/tools/idempotency-test", ["url": "https://example.com", "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 2,
                                        "delay_ms": 6000] as JSON, "between 0 and 5000"),
    ])
    func badInputIsA400(_ path: String, _ body: JSON, _ mentions: String) async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let r = try await server.anonymous.post(path, body)
        #expect(r.status == 400, "\(r.text)")
        #expect(r.json["error"]?.stringValue?.contains(mentions) == true, "\(r.text)")
        #expect(r.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
    }

    /// `--public-outbound public` (the default): loopback and private targets are refused with a
    /// 403 naming the address, before anything is sent or stored.
    @Test func publicRefusesLoopbackAndPrivateTargets() async throws {
        let server = try await Self.start(.public)
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let port = try #require(receiver.url.split(separator: ":").last)
        let targets: [(String, String)] = [
            (receiver.url + "/x", "127.0.0.1 is a loopback address, refused by --public-outbound public"),
            ("http://localhost:\(port)/x", "localhost is this machine"),
            ("http://hooks.test:\(port)/x", "hooks.test resolves to 127.0.0.1 is a loopback address"),
            ("http://intranet.test/x", "intranet.test resolves to 10.1.2.3 is a private address"),
            ("http://169.254.169.254/latest", "link-local"),
        ]
        for (url, reason) in targets {
            let bodies: [(String, JSON)] = [
                ("/v1/tools/health-check", ["url": .string(url)]),
                ("/v1/tools/schedule", ["url": .string(url), "delay_seconds": 1]),
                ("/v1/tools/idempotency-test", ["url": .string(url), "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 2]),
            ]
            for (path, body) in bodies {
                let r = try await server.anonymous.post(path, body)
                #expect(r.status == 403, "\(path) \(url): \(r.text)")
                #expect(r.json["error"]?.stringValue?.contains("refused by the outbound policy") == true, "\(r.text)")
                #expect(r.json["error"]?.stringValue?.contains(reason) == true, "\(path) \(url): \(r.text)")
            }
        }
        // Refused before anything was sent (the 403s above are answered synchronously).
        #expect(receiver.requests.isEmpty)
    }

    @Test func offTurnsEveryToolsEndpointOff() async throws {
        let server = try await Self.start(.off)
        defer { server.stop() }
        let calls: [TestResponse] = [
            try await server.anonymous.post("/v1/tools/health-check", ["url": "https://example.com/"]),
            try await server.anonymous.post("/v1/tools/schedule", ["url": "https://example.com/", "delay_seconds": 5]),
            try await server.anonymous.get("/v1/tools/schedule/\(UUID().uuidString.lowercased())"),
            try await server.anonymous.post(
                "/v1/tools/idempotency-test", ["url": "https://example.com/", "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 2]),
        ]
        for r in calls {
            #expect(r.status == 403, "\(r.text)")
            #expect(r.json["error"]?.stringValue?.contains("--public-outbound off") == true, "\(r.text)")
        }
    }

    /// On the injected clock: nothing is sent before the delay, exactly one request after it,
    /// with the method, headers and body given, and the outcome is readable by ID.
    @Test func aScheduledWebhookFiresOnceWhenDue() async throws {
        let clock = ManualClock()
        let server = try await Self.start { $0.clock = clock }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let created = try await server.anonymous.post(
            "/v1/tools/schedule",
            [
                "url": .string(receiver.url + "/later"), "delay_seconds": 3600, "method": "post", "headers": ["X-Reminder": "follow-up"],
                "body": #"{"type":"reminder"}"#,
            ])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["status"] == "pending")
        let id = try #require(created.json["schedule_id"]?.stringValue)
        #expect(UUID(uuidString: id) != nil)
        #expect(created.json["fires_at"] == .string(Timestamp.iso(millis: Timestamp.millis(clock.now) + 3_600_000)))
        let pending = try await server.anonymous.get("/v1/tools/schedule/\(id)")
        #expect(pending.json["status"] == "pending" && pending.json["method"] == "POST" && pending.json["completed_at"] == .null, "\(pending.text)")
        #expect(!pending.text.contains("follow-up"), "headers are not shown again")

        clock.advance(by: .seconds(3601))
        let sent = try await receiver.waitFor(count: 1)[0]
        #expect(sent.path == "/later" && sent.text == #"{"type":"reminder"}"#)
        #expect(sent.headers["x-reminder"] == "follow-up" && sent.headers["x-hookstream-schedule-id"] == id)
        #expect(sent.headers["content-type"] == "application/json")
        let done = try await server.anonymous.eventually("/v1/tools/schedule/\(id)") { $0["status"] == "completed" }
        #expect(done["response_status"] == 200 && done["error"] == .null && done["completed_at"] != .null, "\(done)")
        #expect(receiver.requests.count == 1)
        #expect(try await server.anonymous.get("/v1/tools/schedule/\(UUID().uuidString.lowercased())").status == 404)
    }

    @Test func aScheduledWebhookNobodyAnswersIsFailed() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let closedPort = try ClosedPort()
        defer { closedPort.close() }
        let closed = closedPort.port
        let created = try await server.anonymous.post("/v1/tools/schedule", ["url": .string("http://127.0.0.1:\(closed)/"), "delay_seconds": 1])
        let id = try #require(created.json["schedule_id"]?.stringValue, "\(created.text)")
        let failed = try await server.anonymous.eventually("/v1/tools/schedule/\(id)") { $0["status"] == "failed" }
        #expect(failed["response_status"] == .null && failed["error"]?.stringValue?.contains("Connection refused") == true, "\(failed)")
    }

    @Test func idempotencyTestComparesTheAnswers() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.reply([.status(201, body: #"{"id":"ord_1"}"#), .status(200, body: #"{"id":"ord_1"}"#), .status(200, body: #"{"id":"ord_1"}"#)])
        let r = try await server.anonymous.post(
            "/v1/tools/idempotency-test",
            [
                "url": .string(receiver.url + "/orders"), "idempotency_header": "Idempotency-Key", "idempotency_value": "order_123_create", "count": 3,
                "headers": ["Idempotency-Key": "overridden", "X-Trace": "t1"], "body": #"{"type":"order.created"}"#, "delay_ms": 10,
            ])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["total_requests"] == 3 && r.json["unique_responses"] == 2 && r.json["duplicate_responses"] == 1, "\(r.text)")
        #expect(r.json["results"]?.arrayValue?.map { $0["is_duplicate"] } == [false, false, true])
        #expect(r.json["results"]?.arrayValue?.map { $0["status"] } == [201, 200, 200])
        #expect(r.json["results"]?[0]?["response_body"] == #"{"id":"ord_1"}"#)
        let sent = receiver.requests
        #expect(sent.count == 3)
        #expect(sent.allSatisfy { $0.headers["idempotency-key"] == "order_123_create" && $0.headers["x-trace"] == "t1" && $0.text == #"{"type":"order.created"}"# })

        // Nothing answers: the test stops at the first request.
        let closedPort = try ClosedPort()
        defer { closedPort.close() }
        let closed = closedPort.port
        let down = try await server.anonymous.post(
            "/v1/tools/idempotency-test",
            ["url": .string("http://127.0.0.1:\(closed)/"), "idempotency_header": "Idempotency-Key", "idempotency_value": "k", "count": 5])
        #expect(down.status == 200 && down.json["total_requests"] == 1 && down.json["results"]?[0]?["status"] == .null, "\(down.text)")
    }

    @Test func theToolsAPIHasItsOwnPerIPRateLimit() async throws {
        // The window turns on the minute of the injected clock, held one second into one: on
        // the real clock the three requests could straddle a minute and meet a fresh budget.
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_799_999_941))
        let server = try await Self.start {
            $0.toolsRateLimit = 2
            $0.clock = clock
        }
        defer { server.stop() }
        let path = "/v1/tools/schedule/\(UUID().uuidString.lowercased())"
        #expect(try await server.anonymous.get(path).header("X-RateLimit-Limit") == "2")
        _ = try await server.anonymous.get(path)
        let limited = try await server.anonymous.get(path)
        #expect(limited.status == 429 && limited.header("Retry-After") != nil, "\(limited.text)")
        // Other public paths keep their own budget.
        #expect(try await server.anonymous.get("/v1/health").status == 200)
    }
}
