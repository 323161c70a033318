import Crypto
import Foundation
import HookstreamCore
@testable import HookstreamStore
import HookstreamTesting
import JSONValue
import Testing

/// The delivery engine end to end: real ingest, real receivers on loopback that misbehave on
/// purpose, and the attempt rows, issues, circuit and event statuses the API shows.
@Suite struct DeliveryTests {
    struct Pipe {
        let source: String
        let destination: String
        let connection: String
    }

    /// A source connected to a destination at `url`; `destination` adds settings.
    func pipe(_ server: TestServer, url: String, destination: JSONObject = [:], connection: JSONObject = [:]) async throws -> Pipe {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        var d: JSONObject = ["name": "Receiver", "url": .string(url)]
        for (k, v) in destination { d[k] = v }
        let created = try await server.client.post("/v1/destinations", .object(d))
        let destinationID = try #require(created.json["id"]?.stringValue, "\(created.text)")
        var c: JSONObject = ["source_id": .string(source), "destination_id": .string(destinationID)]
        for (k, v) in connection { c[k] = v }
        let conn = try await server.client.post("/v1/connections", .object(c))
        return Pipe(source: source, destination: destinationID, connection: try #require(conn.json["id"]?.stringValue, "\(conn.text)"))
    }

    func ingest(_ server: TestServer, _ source: String, _ body: JSON) async throws -> String {
        let response = try await server.anonymous.post("/v1/ingest/\(source)", body)
        return try #require(response.json["event_id"]?.stringValue, "\(response.text)")
    }

    /// Polls `path` until `done` holds for its JSON.
    @discardableResult
    func eventually(_ server: TestServer, _ path: String, timeout: Duration = .seconds(20), _ done: (JSON) -> Bool) async throws -> JSON {
        try await eventually(server.client, path, timeout: timeout, done)
    }

    @discardableResult
    func eventually(_ client: TestHTTPClient, _ path: String, timeout: Duration = .seconds(20), _ done: (JSON) -> Bool) async throws -> JSON {
        try await client.eventually(path, timeout: timeout, done)
    }

    @Test func deliversMatchingEventsWithHeadersSignatureAndTransform() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let p = try await pipe(
            server, url: receiver.url + "/hook",
            destination: ["headers": ["Authorization": "Bearer secret-token"], "signing_config": ["secret": "s3cret", "algorithm": "sha256"]],
            connection: [
                "filter_rules": [["field": "body.type", "op": "eq", "value": "order.created"]],
                "transform_enabled": true, "transform_expression": #"{"id": data.id, "total": data.amount / 100, "via": $headers."x-shop"}"#,
            ])
        let skipped = try await ingest(server, p.source, ["type": "order.updated", "data": ["id": "o1", "amount": 100]])
        let response = try await server.anonymous.request(
            "POST", "/v1/ingest/\(p.source)", json: ["type": "order.created", "data": ["id": "o2", "amount": 4999]], headers: [("X-Shop", "acme")])
        let delivered = try #require(response.json["event_id"]?.stringValue)

        let received = try await receiver.waitFor(count: 1)[0]
        #expect(try JSON(parsing: received.body) == ["id": "o2", "total": 49.99, "via": "acme"])
        #expect(received.headers["x-hookstream-event-id"] == delivered)
        #expect(received.headers["x-hookstream-delivery-attempt"] == "1")
        #expect(received.headers["authorization"] == "Bearer secret-token")
        #expect(received.headers["content-type"] == "application/json")
        let mac = HMAC<SHA256>.authenticationCode(for: received.body, using: SymmetricKey(data: Data("s3cret".utf8)))
        #expect(received.headers["x-hookstream-signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())

        try await eventually(server, "/v1/events/\(delivered)") { $0["status"] == "delivered" }
        let attempts = try await server.client.get("/v1/delivery-attempts?event_id=\(delivered)").json
        #expect(attempts["delivery_attempts"]?[0]?["status"] == "success")
        #expect(attempts["delivery_attempts"]?[0]?["status_code"] == 200)
        let detail = try await server.client.get("/v1/delivery-attempts/\(try #require(attempts["delivery_attempts"]?[0]?["id"]?.stringValue))").json
        #expect(detail["request_headers"]?["Authorization"]?.stringValue?.hasPrefix("Bearer") == false)
        #expect(detail["response_body"] == #"{"ok":true}"#)
        #expect(try await server.client.get("/v1/events/\(skipped)").json["status"] == "received")
        #expect(receiver.requests.count == 1)
    }

    @Test func retriesDeadLettersOpensIssueAndRetriesFromEveryEndpoint() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(500))
        let p = try await pipe(
            server, url: receiver.url,
            destination: ["retry_max_attempts": 3, "retry_backoff_type": "fixed", "retry_intervals": [0.2]])
        let event = try await ingest(server, p.source, ["n": 1])
        _ = try await receiver.waitFor(count: 3)
        let failed = try await eventually(server, "/v1/events/\(event)") { $0["status"] == "failed" }
        let attempts = failed["delivery_attempts"]?.arrayValue ?? []
        #expect(attempts.map { $0["attempt_number"] } == [1, 2, 3])
        #expect(attempts.map { $0["is_dlq"] } == [0, 0, 1])
        #expect(attempts[0]["next_retry_at"] != .null)
        #expect(attempts[2]["error_type"] == "http_5xx")
        // Dead-lettered: the chain has no pending attempt left, so nothing more can be sent.
        #expect(try await server.client.get("/v1/delivery-attempts?event_id=\(event)&status=pending").json["pagination"]?["total"] == 0)
        #expect(receiver.requests.count == 3)

        let issues = try await server.client.get("/v1/issues?destination_id=\(p.destination)").json
        let issue = try #require(issues["issues"]?.arrayValue?.first { $0["error_type"] == "http_5xx" })
        let issueID = try #require(issue["id"]?.stringValue)
        let detail = try await server.client.get("/v1/issues/\(issueID)").json
        #expect(detail["occurrence_count"] == 3)
        #expect(detail["message"] == "Destination returned 500 Internal Server Error")
        #expect(detail["recent_attempt_ids"]?.arrayValue?.count == 3)
        // What the monitoring guide says issues track: severity, affected resources, timeline.
        #expect(detail["severity"] == "high")
        #expect(detail["affected"] == ["destination_ids": [.string(p.destination)], "source_ids": [.string(p.source)], "connection_ids": [.string(p.connection)]])
        #expect(detail["timeline"]?.arrayValue?.map { $0["type"] } == ["opened"])
        #expect(detail["timeline"]?[0]?["message"] == "Destination returned 500 Internal Server Error")
        #expect(issue["severity"] == "high")
        #expect(issue["timeline"] == nil)
        #expect(try await server.client.get("/v1/issues/summary").json["open"] == 1)
        #expect(try await server.client.get("/v1/delivery-attempts?is_dlq=1").json["pagination"]?["total"] == 1)
        let metrics = try await server.anonymous.get("/metrics").text
        #expect(metrics.contains("hookstream_delivery_attempts_total{destination_id=\"\(p.destination)\",outcome=\"http_5xx\"} 3"))
        #expect(metrics.contains("hookstream_deliveries_dead_lettered_total{destination_id=\"\(p.destination)\"} 1"))
        #expect(metrics.contains("hookstream_delivery_duration_seconds_count 3"))

        // Fixed receiver: bulk retry through the issue.
        receiver.setDefault(.status(200))
        let bulk = try await server.client.post("/v1/issues/\(issueID)/retry", [:]).json
        #expect(bulk == ["retried": 1, "total": 1])
        try await eventually(server, "/v1/events/\(event)") { $0["status"] == "delivered" }

        // One attempt, and the whole event, can be retried again; originals are kept.
        let dlq = try #require(attempts[2]["id"]?.stringValue)
        let one = try await server.client.post("/v1/delivery-attempts/\(dlq)/retry", [:])
        #expect(one.status == 200)
        #expect(one.json["delivery_attempt"]?["status"] == "pending")
        // (A retry while the chain still has a pending attempt moves that one instead of
        // doubling it, so wait for this one's success to be recorded before retrying the
        // event: the receiver seeing it is not enough, its result may not be stored yet.)
        _ = try await receiver.waitFor(count: 5)
        try await eventually(server, "/v1/delivery-attempts?event_id=\(event)&status=success") { $0["pagination"]?["total"] == 2 }
        let again = try await server.client.post("/v1/events/\(event)/retry", [:]).json
        #expect(again["retried"]?.arrayValue?.count == 1)
        #expect(again["retried"]?[0]?["status"] == "queued")
        _ = try await receiver.waitFor(count: 6)
        try await eventually(server, "/v1/delivery-attempts?event_id=\(event)&status=success") { $0["pagination"]?["total"] == 3 }
        #expect(try await server.client.post("/v1/delivery-attempts/da_0123456789abcdef0123456789abcdef/retry", [:]).status == 404)
        let succeeded = try await server.client.get("/v1/delivery-attempts?event_id=\(event)&status=success").json
        let successID = try #require(succeeded["delivery_attempts"]?[0]?["id"]?.stringValue)
        #expect(try await server.client.post("/v1/delivery-attempts/\(successID)/retry", [:]).status == 409)

        _ = try await server.client.patch("/v1/issues/\(issueID)", ["status": "acknowledged", "snoozed_until": "2030-01-01T00:00:00Z"])
        _ = try await server.client.patch("/v1/issues/\(issueID)", ["status": "acknowledged", "snoozed_until": .null])
        let resolved = try await server.client.patch("/v1/issues/\(issueID)", ["status": "resolved"])
        #expect(resolved.json["status"] == "resolved")
        #expect(resolved.json["resolved_at"] != .null)
        // Setting the status it already has is no change, so no entry.
        #expect(resolved.json["timeline"]?.arrayValue?.map { $0["type"] } == ["opened", "acknowledged", "snoozed", "unsnoozed", "resolved"])
        #expect(resolved.json["timeline"]?[2]?["message"] == "2030-01-01T00:00:00.000Z")
        #expect(try await server.client.patch("/v1/issues/\(issueID)", ["status": "muted"]).status == 400)
    }

    @Test func circuitOpensHoldsHalfOpensAndFlushesInOrder() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.circuitFailureThreshold = 2
            $0.circuitCooldownSeconds = 60
            $0.clock = clock
        }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let witness = try await TestReceiver.start()
        defer { witness.stop() }
        receiver.setDefault(.status(503))
        let p = try await pipe(
            server, url: receiver.url, destination: ["retry_max_attempts": 10, "retry_backoff_type": "fixed", "retry_intervals": [600]])
        let active = try #require(try await server.client.post("/v1/destinations", ["name": "Witness", "url": .string(witness.url)]).json["id"]?.stringValue)
        #expect(try await server.client.post("/v1/connections", ["source_id": .string(p.source), "destination_id": .string(active)]).status == 201)
        for n in 1...2 { _ = try await ingest(server, p.source, ["n": .number(Double(n))]) }
        _ = try await receiver.waitFor(count: 2)
        try await eventually(server, "/v1/destinations/\(p.destination)/circuit") { $0["state"] == "open" }
        // While open, new events are held, not sent and not dropped: the destination routed
        // alongside got them, this one did not, and they wait as pending deliveries.
        for n in 3...5 { _ = try await ingest(server, p.source, ["n": .number(Double(n))]) }
        _ = try await witness.waitFor(count: 5)
        #expect(receiver.requests.count == 2)
        try await eventually(server, "/v1/delivery-attempts?destination_id=\(p.destination)&status=pending") { $0["pagination"]?["total"] == 5 }
        let issues = try await server.client.get("/v1/issues?destination_id=\(p.destination)").json["issues"]?.arrayValue ?? []
        #expect(issues.contains { $0["error_type"] == "circuit_open" })
        #expect(try await server.client.get("/v1/destinations/\(p.destination)/circuit").json["state"] == "open")

        // After the cooldown one probe goes out; it succeeds, the circuit closes, and the held
        // deliveries flow oldest first (the retries of 1 and 2 are not due for 10 minutes).
        receiver.setDefault(.status(200))
        clock.advance(by: .seconds(60))
        let all = try await receiver.waitFor(count: 5)
        let probe = try JSON(parsing: all[2].body)
        #expect(probe["n"] == 3)
        #expect(numbers(Array(all[3...])) == [4, 5])
        try await eventually(server, "/v1/destinations/\(p.destination)/circuit") { $0["state"] == "closed" }

        // Manual reset closes an open circuit at once.
        receiver.setDefault(.status(503))
        for n in 6...7 { _ = try await ingest(server, p.source, ["n": .number(Double(n))]) }
        try await eventually(server, "/v1/destinations/\(p.destination)/circuit") { $0["state"] == "open" }
        let reset = try await server.client.post("/v1/destinations/\(p.destination)/circuit/reset", [:]).json
        #expect(reset["state"] == "closed")
        #expect(reset["failure_count"] == 0)
    }

    /// The `n` field of each request's JSON body, in the order the receiver got them.
    func numbers(_ received: [TestReceiver.Received]) -> [Int] {
        received.map { Int((try? JSON(parsing: $0.body))?["n"]?.numberValue ?? -1) }
    }

    /// An API timestamp as Unix milliseconds.
    func millis(_ value: JSON?) -> Int64? {
        value?.stringValue.flatMap(Timestamp.parse).map(Timestamp.millis)
    }

    @Test func pausedDestinationHoldsThenReleasesInIngestOrder() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let witness = try await TestReceiver.start()
        defer { witness.stop() }
        // Default concurrency: the held backlog must still reach the receiver oldest first.
        let p = try await pipe(server, url: receiver.url, destination: ["enabled": false])
        let active = try #require(try await server.client.post("/v1/destinations", ["name": "Witness", "url": .string(witness.url)]).json["id"]?.stringValue)
        #expect(try await server.client.post("/v1/connections", ["source_id": .string(p.source), "destination_id": .string(active)]).status == 201)
        let count = 20
        for n in 1...count { _ = try await ingest(server, p.source, ["n": .number(Double(n))]) }
        // Every event reached the active destination routed alongside: the engine has seen
        // the paused destination's work too, and held it.
        _ = try await witness.waitFor(count: count)
        #expect(receiver.requests.isEmpty)
        try await eventually(server, "/v1/delivery-attempts?destination_id=\(p.destination)&status=pending") { $0["pagination"]?["total"] == .number(Double(count)) }
        #expect(try await server.client.patch("/v1/destinations/\(p.destination)", ["status": "active"]).status == 200)
        #expect(numbers(try await receiver.waitFor(count: count)) == Array(1...count))
        // Caught up: new events flow as before.
        _ = try await ingest(server, p.source, ["n": .number(Double(count + 1))])
        #expect(numbers(try await receiver.waitFor(count: count + 1)).last == count + 1)
    }

    @Test func destinationPausedAcrossARestartReleasesInIngestOrder() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-paused")
        let key = APIKey.generate(.live)
        let arguments = ["--bootstrap-key", key, "--public-rate-limit", "0", "--api-rate-limit", "0"]
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: arguments)
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        let destination = try #require(
            try await admin.post("/v1/destinations", ["name": "R", "url": .string(receiver.url), "enabled": false]).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)]).status == 201)
        let count = 20
        for n in 1...count {
            #expect(try await TestHTTPClient(baseURL: first.baseURL).post("/v1/ingest/\(source)", ["n": .number(Double(n))]).status == 200)
        }
        first.kill(signal: SIGTERM)
        #expect(await first.waitForExit() == 0)
        #expect(receiver.requests.isEmpty)

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: arguments)
        defer { second.kill() }
        let again = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        #expect(try await again.patch("/v1/destinations/\(destination)", ["status": "active"]).status == 200)
        #expect(numbers(try await receiver.waitFor(count: count)) == Array(1...count))
    }

    @Test func misbehavingReceiversEndAsTheRightAttempts() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        // Only the stalled receiver is meant to time out: the others get a timeout a loaded
        // machine cannot reach (a 0.5 s one for all once ended a redirect as a timeout in CI).
        func outcome(_ url: String, _ reply: TestReceiver.Reply?, timeout: Double = 20) async throws -> JSON {
            if let reply { receiver.reply([reply]) }
            let p = try await pipe(server, url: url, destination: ["retry_max_attempts": 1, "timeout": .number(timeout)])
            let event = try await ingest(server, p.source, ["x": 1])
            let done = try await eventually(server, "/v1/delivery-attempts?event_id=\(event)") {
                $0["delivery_attempts"]?[0]?["status"] == "failed" || $0["delivery_attempts"]?[0]?["status"] == "success"
            }
            let id = try #require(done["delivery_attempts"]?[0]?["id"]?.stringValue)
            // A reply no request took (on a loaded machine the 0.5 s timeout can end an attempt
            // before its request reaches the receiver) must not answer the next case.
            receiver.clearReplies()
            return try await server.client.get("/v1/delivery-attempts/\(id)").json
        }
        let stalled = try await outcome(receiver.url, .stall(seconds: 3), timeout: 0.5)
        #expect(stalled["error_type"] == "timeout")
        let redirected = try await outcome(receiver.url, .redirect(to: "http://127.0.0.1:1/elsewhere"))
        #expect(redirected["status_code"] == 307)
        #expect(redirected["error_type"] == "http_4xx")
        let huge = try await outcome(receiver.url, .huge(bytes: 50 * 1024 * 1024))
        #expect(huge["status"] == "success")
        #expect(huge["response_body"]?.stringValue?.utf8.count == 64 * 1024)
        let resetting = try ResettingReceiver()
        defer { resetting.stop() }
        let reset = try await outcome(resetting.url, nil)
        #expect(reset["error_type"] == "connection_error")
        #expect(reset["status_code"] == .null)
        let refused = try await outcome("http://127.0.0.1:1/", nil)
        #expect(refused["error_type"] == "connection_error")
        let unresolvable = try await outcome("http://hookstream-receiver.invalid/", nil)
        #expect(unresolvable["error_type"] == "connection_error")
        let client = try await outcome(receiver.url, .status(429, headers: ["Retry-After": "1"]))
        #expect(client["error_type"] == "http_4xx")
        #expect(client["is_dlq"] == 1)
    }

    /// The server's peak resident memory so far, in KB (`VmHWM` of /proc/<pid>/status).
    func peakResidentKB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    @Test func hugeResponseBodiesAreCappedWithoutBeingBuffered() async throws {
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.huge(bytes: 50 * 1024 * 1024))
        let key = APIKey.generate(.live)
        let server = try await ServerProcess.start(
            dataDirectory: TemporaryDirectory.make(prefix: "hookstream-huge"), arguments: ["--bootstrap-key", key, "--public-rate-limit", "0", "--api-rate-limit", "0"])
        defer { server.kill() }
        let admin = TestHTTPClient(baseURL: server.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        let destination = try #require(
            try await admin.post("/v1/destinations", ["name": "R", "url": .string(receiver.url), "retry_max_attempts": 1]).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)]).status == 201)
        let before = try peakResidentKB(server.process.pid)
        // Four 50 MB answers at once: buffered, they would add 200 MB to the server.
        let count = 4
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...count {
                group.addTask {
                    let response = try await TestHTTPClient(baseURL: server.baseURL).post("/v1/ingest/\(source)", ["n": .number(Double(n))])
                    #expect(response.status == 200)
                }
            }
            try await group.waitForAll()
        }
        let done = try await eventually(admin, "/v1/delivery-attempts?destination_id=\(destination)&status=success") {
            $0["pagination"]?["total"] == .number(Double(count))
        }
        for attempt in done["delivery_attempts"]?.arrayValue ?? [] {
            let detail = try await admin.get("/v1/delivery-attempts/\(try #require(attempt["id"]?.stringValue))").json
            #expect(detail["status"] == "success")
            #expect(detail["status_code"] == 200)
            #expect(detail["error"] == .null)
            #expect(detail["response_body"]?.stringValue?.utf8.count == 64 * 1024)
            #expect(detail["response_body"]?.stringValue?.allSatisfy { $0 == "x" } == true)
        }
        let growthMB = (try peakResidentKB(server.process.pid) - before) / 1024
        #expect(growthMB < 40, "peak RSS grew by \(growthMB) MB delivering \(count) responses of 50 MB")
    }

    @Test func retryAfterIsHonoured() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start { $0.clock = clock }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.reply([.status(503, headers: ["Retry-After": "2"])])
        let p = try await pipe(server, url: receiver.url, destination: ["retry_backoff_type": "fixed", "retry_intervals": [0.1, 5]])
        let event = try await ingest(server, p.source, ["x": 1])
        // The retry is scheduled Retry-After seconds after the failure (time stands still here),
        // not after the policy's 0.1 s.
        let failed = try await eventually(server, "/v1/delivery-attempts?event_id=\(event)&status=failed") { $0["pagination"]?["total"] == 1 }
        let first = try #require(failed["delivery_attempts"]?[0])
        let attemptedAt = try #require(millis(first["attempted_at"]))
        #expect(millis(first["next_retry_at"]) == attemptedAt + 2000)
        clock.advance(by: .seconds(2))
        let both = try await receiver.waitFor(count: 2)
        #expect(both[1].headers["x-hookstream-delivery-attempt"] == "2")
        let retried = try await eventually(server, "/v1/delivery-attempts?event_id=\(event)&status=success") { $0["pagination"]?["total"] == 1 }
        #expect(millis(retried["delivery_attempts"]?[0]?["attempted_at"]) == attemptedAt + 2000)
    }

    @Test func deletingDestinationMarksItsPendingDeliveries() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let p = try await pipe(server, url: receiver.url, destination: ["enabled": false])
        let event = try await ingest(server, p.source, ["x": 1])
        #expect(try await server.client.delete("/v1/destinations/\(p.destination)").status == 200)
        let attempts = try await server.client.get("/v1/delivery-attempts?event_id=\(event)").json
        #expect(attempts["delivery_attempts"]?[0]?["status"] == "failed")
        #expect(attempts["delivery_attempts"]?[0]?["error_type"] == "destination_deleted")
        #expect(try await server.client.get("/v1/events/\(event)").json["status"] == "failed")
    }

    @Test func fansOutToEveryConnectedDestination() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receivers = [try await TestReceiver.start(), try await TestReceiver.start(), try await TestReceiver.start()]
        defer { receivers.forEach { $0.stop() } }
        let first = try await pipe(server, url: receivers[0].url)
        for receiver in receivers.dropFirst() {
            let d = try #require(try await server.client.post("/v1/destinations", ["name": "R", "url": .string(receiver.url)]).json["id"]?.stringValue)
            #expect(try await server.client.post("/v1/connections", ["source_id": .string(first.source), "destination_id": .string(d)]).status == 201)
        }
        let event = try await ingest(server, first.source, ["fan": "out"])
        for receiver in receivers { #expect(try await receiver.waitFor(count: 1)[0].headers["x-hookstream-event-id"] == event) }
        try await eventually(server, "/v1/events/\(event)") { $0["status"] == "delivered" }
    }

    /// Live traffic to a lane that keeps up is started from memory after the commit (no claim;
    /// on SQLite, where this node is the only one),
    /// with its connection's transform, and every event is sent exactly once while claims run
    /// beside it: sixteen requests at a time against a lane of sixteen slots leave it often
    /// without a free one, and what it could not take is claimed from the store (as are the
    /// first event and its retry).
    @Test func liveTrafficStartsFromMemoryAndEveryEventIsSentOnce() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let p = try await pipe(
            server, url: receiver.url + "/hook",
            destination: ["retry_max_attempts": 3, "retry_backoff_type": "fixed", "retry_intervals": [0.2], "max_concurrency": 16],
            connection: ["transform_enabled": true, "transform_expression": #"{"n": n, "via": "transform"}"#])
        // The first event loads the lane; one answered 500 leaves a retry in the store.
        receiver.reply([.status(500)])
        let first = try await ingest(server, p.source, ["n": 0])
        try await eventually(server, "/v1/events/\(first)") { $0["status"] == "delivered" }
        let events = try await concurrently(Array(1...300), width: 16) { n in try await ingest(server, p.source, ["n": .number(Double(n))]) }
        let received = try await receiver.waitFor(count: 302)
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.requests.count == 302)
        var sent: [String: Int] = [:]
        for request in receiver.requests { sent[request.headers["x-hookstream-event-id"] ?? "", default: 0] += 1 }
        #expect(sent[first] == 2)
        #expect(events.allSatisfy { sent[$0] == 1 })
        #expect(received.allSatisfy { (try? JSON(parsing: $0.body))?["via"] == "transform" })
        for event in events.prefix(20) {
            let attempts = try await server.client.get("/v1/delivery-attempts?event_id=\(event)").json["delivery_attempts"]?.arrayValue ?? []
            #expect(attempts.count == 1 && attempts.first?["status"] == "success" && attempts.first?["attempt_number"] == 1)
        }
        try await eventually(server, "/v1/events?source_id=\(p.source)&status=delivered&limit=1") { $0["pagination"]?["total"] == 301 }
        let metrics = try await server.anonymous.get("/metrics").text
        let fromMemory = metrics.split(separator: "\n").first { $0.hasPrefix("hookstream_delivery_starts_total{from=\"memory\"}") }
        let started = fromMemory.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        // On PostgreSQL the engine delivers as one of several nodes sharing the database, which
        // must write a lease for every attempt: everything is claimed.
        #expect(TestStore.isPostgres ? started == 0 : started > 0, "\(metrics.split(separator: "\n").filter { $0.contains("delivery_starts") })")
        #expect(metrics.contains("hookstream_delivery_starts_total{from=\"store\"}"))
    }

    /// Due work that no wake announced (a wake lost to a race would leave it so) is still
    /// found and sent, by the engine's periodic look at every destination's due attempts.
    @Test func dueWorkNobodyAnnouncedIsStillDelivered() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let p = try await pipe(server, url: receiver.url + "/hook")
        let event = try await ingest(server, p.source, ["n": 1])
        _ = try await receiver.waitFor(count: 1)
        try await eventually(server, "/v1/events/\(event)") { $0["status"] == "delivered" }
        // A second attempt written beside the server, as another process would: the engine is
        // told nothing.
        let beside = try await TestStore.open(dataDirectory: server.dataDirectory)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await beside.database.write { db in
            try db.execute(
                """
                INSERT INTO delivery_attempts (id, org_id, env_id, event_id, connection_id, destination_id, status, attempt_number, scheduled_at, created_at)
                SELECT ?, org_id, env_id, event_id, connection_id, destination_id, 'pending', 2, ?, ? FROM delivery_attempts WHERE event_id = ?
                """, [ResourceID.make(.deliveryAttempt), now, now, event])
        }
        await beside.close()
        let received = try await receiver.waitFor(count: 2, timeout: .seconds(30))
        #expect(received.map { $0.headers["x-hookstream-event-id"] } == [event, event])
        #expect(received.last?.headers["x-hookstream-delivery-attempt"] == "2")
    }

    @Test func runtimeTransformErrorDeadLettersWithAnIssueThatResolvesItself() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.issueAutoResolveSeconds = 60
            $0.clock = clock
        }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let p = try await pipe(
            server, url: receiver.url,
            connection: ["transform_enabled": true, "transform_expression": #"amount > 0 ? {"ok": true} : $error("amount must be positive")"#])
        let bad = try await ingest(server, p.source, ["amount": -1])
        let failed = try await eventually(server, "/v1/events/\(bad)") { $0["status"] == "failed" }
        let attempt = failed["delivery_attempts"]?[0]
        #expect(attempt?["error_type"] == "transform_error")
        #expect(attempt?["is_dlq"] == 1)
        #expect(attempt?["attempt_number"] == 1)
        #expect(attempt?["error"]?.stringValue?.contains("amount must be positive") == true)
        let good = try await ingest(server, p.source, ["amount": 5])
        #expect(try JSON(parsing: try await receiver.waitFor(count: 1)[0].body) == ["ok": true])
        try await eventually(server, "/v1/events/\(good)") { $0["status"] == "delivered" }
        #expect(receiver.requests.count == 1)

        let issues = try await server.client.get("/v1/issues?status=all").json["issues"]?.arrayValue ?? []
        let issue = try #require(issues.first { $0["error_type"] == "transform_error" })
        // Quiet for longer than --issue-auto-resolve-seconds: resolved without anyone acting.
        #expect(try await server.client.get("/v1/issues/\(try #require(issue["id"]?.stringValue))").json["status"] == "open")
        clock.advance(by: .seconds(61))
        let autoResolved = try await eventually(server, "/v1/issues/\(try #require(issue["id"]?.stringValue))") { $0["status"] == "resolved" }
        #expect(autoResolved["severity"] == "medium")
        #expect(autoResolved["timeline"]?.arrayValue?.map { $0["type"] } == ["opened", "auto_resolved"])
        #expect(try await server.client.get("/v1/issues/summary").json["resolved"] == 1)
    }
}
