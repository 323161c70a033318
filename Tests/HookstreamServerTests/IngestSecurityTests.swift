import Crypto
import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// The ingest checks, in order: IP lists (403), signature (401), schema (422), dedup (200 with
/// the original event). Refused requests store nothing and are counted in /metrics.
@Suite struct IngestSecurityTests {
    func hmacHex(_ body: String, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    func eventCount(_ server: TestServer) async throws -> Int {
        Int(try await server.client.get("/v1/events").json["pagination"]?["total"]?.numberValue ?? -1)
    }

    @Test func ipDenylistAndAllowlist() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let denied = try #require(try await server.client.post("/v1/sources", ["name": "deny", "ip_denylist": ["127.0.0.0/8"]]).json["id"]?.stringValue)
        let response = try await server.anonymous.request("POST", "/v1/ingest/\(denied)", json: ["a": 1])
        #expect(response.status == 403)
        #expect(response.json["status"] == 403)
        let allowedElsewhere = try #require(try await server.client.post("/v1/sources", ["name": "allow", "ip_allowlist": "10.0.0.0/8, ::1/128"]).json["id"]?.stringValue)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(allowedElsewhere)", json: ["a": 1]).status == 403)
        let allowed = try #require(try await server.client.post("/v1/sources", ["name": "ok", "ip_allowlist": ["127.0.0.1"]]).json["id"]?.stringValue)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(allowed)", json: ["a": 1]).status == 200)
        #expect(try await eventCount(server) == 1)
        let metrics = try await server.anonymous.get("/metrics").text
        #expect(metrics.contains("hookstream_ingest_rejected_total{source_id=\"\(denied)\",reason=\"ip_denied\"} 1"))
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() async throws {
        // Untrusted peer: X-Forwarded-For is ignored, so it cannot talk its way past a denylist.
        let plain = try await TestServer.start()
        defer { plain.stop() }
        let source = try #require(try await plain.client.post("/v1/sources", ["name": "x", "ip_denylist": ["127.0.0.1"]]).json["id"]?.stringValue)
        let spoofed = try await plain.anonymous.request("POST", "/v1/ingest/\(source)", json: [:], headers: [("X-Forwarded-For", "203.0.113.9")])
        #expect(spoofed.status == 403)

        // Trusted peer: the right-most untrusted X-Forwarded-For address is the client.
        let proxied = try await TestServer.start { $0.trustedProxies = ["127.0.0.0/8"] }
        defer { proxied.stop() }
        let guarded = try #require(try await proxied.client.post("/v1/sources", ["name": "y", "ip_allowlist": ["203.0.113.0/24"]]).json["id"]?.stringValue)
        let viaProxy = try await proxied.anonymous.request(
            "POST", "/v1/ingest/\(guarded)", json: [:], headers: [("X-Forwarded-For", "198.51.100.1, 203.0.113.9")])
        #expect(viaProxy.status == 200)
        let event = try await proxied.client.get("/v1/events/\(try #require(viaProxy.json["event_id"]?.stringValue))").json
        #expect(event["source_ip"] == "203.0.113.9")
        #expect(try await proxied.anonymous.request("POST", "/v1/ingest/\(guarded)", json: [:], headers: [("X-Forwarded-For", "198.51.100.1")]).status == 403)
    }

    @Test func hmacSignatureFailuresAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try #require(try await server.client.post(
            "/v1/sources", ["name": "signed", "verification_type": "hmac_sha256", "verification_secret": "s3cret", "verification_header": "X-Signature"]
        ).json["id"]?.stringValue)
        let body = #"{"type":"payment.completed"}"#
        func send(_ body: String, _ headers: [(String, String)]) async throws -> TestResponse {
            try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: Array(body.utf8), headers: [("Content-Type", "application/json")] + headers)
        }
        let good = try await send(body, [("X-Signature", "sha256=" + hmacHex(body, secret: "s3cret"))])
        #expect(good.status == 200)
        #expect(try await send(body, []).status == 401)
        #expect(try await send(body, [("X-Signature", "sha256=" + hmacHex(body, secret: "wrong"))]).status == 401)
        let tampered = try await send(#"{"type":"payment.refunded"}"#, [("X-Signature", "sha256=" + hmacHex(body, secret: "s3cret"))])
        #expect(tampered.status == 401)
        #expect(tampered.json["error"]?.stringValue?.hasPrefix("Signature verification failed") == true)
        #expect(try await eventCount(server) == 1)
        let event = try await server.client.get("/v1/events/\(try #require(good.json["event_id"]?.stringValue))").json
        #expect(event["verification_status"] == "verified")
    }

    @Test func rotatedSecretKeepsWorkingUntilItExpires() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start { $0.clock = clock }
        defer { server.stop() }
        let source = try #require(try await server.client.post(
            "/v1/sources", ["name": "rotating", "verification_type": "hmac_sha256", "verification_secret": "old-secret", "verification_header": "X-Signature"]
        ).json["id"]?.stringValue)
        let body = "{}"
        func send(_ secret: String) async throws -> Int {
            try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: Array(body.utf8), headers: [("X-Signature", hmacHex(body, secret: secret))]).status
        }
        func iso(_ date: Date) -> JSON { .string(ISO8601DateFormatter().string(from: date)) }
        // Inside the rotation window both secrets verify.
        let hourAhead = try await server.client.patch("/v1/sources/\(source)", ["verification_secret": "new-secret", "previous_secret_expires_at": iso(clock.now.addingTimeInterval(3600))])
        #expect(hourAhead.status == 200)
        #expect(hourAhead.json["previous_secret_expires_at"] != .null)
        #expect(try await send("new-secret") == 200)
        #expect(try await send("old-secret") == 200)
        #expect(try await send("another-secret") == 401)
        // Up to the expiry the previous secret verifies; past it, it stops (time is the
        // server's injected clock, moved by the test).
        _ = try await server.client.patch("/v1/sources/\(source)", ["verification_secret": "newest", "previous_secret_expires_at": iso(clock.now.addingTimeInterval(60))])
        clock.advance(by: .seconds(59))
        #expect(try await send("new-secret") == 200)
        clock.advance(by: .seconds(2))
        #expect(try await send("new-secret") == 401)
        #expect(try await send("newest") == 200)
        // Without an expiry the old secret stops at once.
        _ = try await server.client.patch("/v1/sources/\(source)", ["verification_secret": "final"])
        #expect(try await send("newest") == 401)
        #expect(try await send("final") == 200)
    }

    @Test func schemaRejectAndWarn() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let schema: JSON = ["type": "object", "required": ["amount"], "properties": ["amount": ["type": "number", "minimum": 0]]]
        let strict = try #require(try await server.client.post("/v1/sources", ["name": "strict", "schema_validation_enabled": true, "json_schema": schema]).json["id"]?.stringValue)
        let bad = try await server.anonymous.request("POST", "/v1/ingest/\(strict)", json: ["amount": -5])
        #expect(bad.status == 422)
        #expect(bad.json["validation_errors"]?[0]?["path"] == "/amount")
        #expect(bad.json["validation_errors"]?[0]?["message"]?.stringValue?.isEmpty == false)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(strict)", body: Array("not json".utf8)).status == 422)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(strict)", json: ["amount": 5]).status == 200)
        #expect(try await eventCount(server) == 1)

        let lenient = try #require(try await server.client.post(
            "/v1/sources", ["name": "lenient", "schema_validation_enabled": true, "schema_action": "warn", "json_schema": schema]
        ).json["id"]?.stringValue)
        let warned = try await server.anonymous.request("POST", "/v1/ingest/\(lenient)", json: ["nope": true])
        #expect(warned.status == 200)
        let event = try await server.client.get("/v1/events/\(try #require(warned.json["event_id"]?.stringValue))").json
        #expect(event["verification_status"] == "schema_invalid")
    }

    @Test func duplicatesAnswerTheOriginalEventUntilTheWindowCloses() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start { $0.clock = clock }
        defer { server.stop() }
        let source = try #require(try await server.client.post(
            "/v1/sources", ["name": "dedup", "dedup_strategy": "body_field", "dedup_field": "data.id", "dedup_window_seconds": 300]
        ).json["id"]?.stringValue)
        let client = server.anonymous
        // Twenty identical requests at once: exactly one original.
        let outcomes = try await withThrowingTaskGroup(of: JSON.self) { group in
            for _ in 0..<20 {
                group.addTask { try await client.request("POST", "/v1/ingest/\(source)", json: ["data": ["id": "pay_1"]]).json }
            }
            var all: [JSON] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let originals = Set(outcomes.compactMap { $0["event_id"]?.stringValue })
        #expect(originals.count == 1)
        #expect(outcomes.filter { $0["duplicate"] == true }.count == 19)
        let stored = try await server.client.get("/v1/events?limit=100").json["events"]?.arrayValue ?? []
        #expect(stored.filter { $0["dedup_status"] == "duplicate" }.count == 19)
        #expect(stored.filter { $0["dedup_status"] == "unique" }.count == 1)
        // A different key is not a duplicate.
        #expect(try await client.request("POST", "/v1/ingest/\(source)", json: ["data": ["id": "pay_2"]]).json["duplicate"] == nil)

        // The window is measured on the server's clock: a repeat inside it is a duplicate,
        // once it has closed the same key is new again.
        let short = try #require(try await server.client.post(
            "/v1/sources", ["name": "short", "dedup_strategy": "payload_hash", "dedup_window_seconds": 60]
        ).json["id"]?.stringValue)
        let first = try await client.request("POST", "/v1/ingest/\(short)", json: ["n": 1]).json
        clock.advance(by: .milliseconds(59_500))
        let inside = try await client.request("POST", "/v1/ingest/\(short)", json: ["n": 1]).json
        #expect(inside["duplicate"] == true)
        #expect(inside["event_id"] == first["event_id"])
        clock.advance(by: .seconds(1))
        let later = try await client.request("POST", "/v1/ingest/\(short)", json: ["n": 1]).json
        #expect(later["duplicate"] == nil)
        #expect(later["event_id"] != first["event_id"])
    }
}

@Suite struct DedupRestartTests {
    @Test func theDedupWindowOutlivesARestart() async throws {
        let directory = TemporaryDirectory.make(prefix: "hookstream-dedup")
        let key = "hs_live_" + String(repeating: "7", count: 64)
        let first = try await TestServer.start { $0.dataDirectory = directory; $0.bootstrapKey = key }
        let source = try #require(try await first.client.post(
            "/v1/sources", ["name": "dedup", "dedup_strategy": "header_field", "dedup_field": "Idempotency-Key"]
        ).json["id"]?.stringValue)
        let original = try await first.anonymous.request("POST", "/v1/ingest/\(source)", json: ["n": 1], headers: [("Idempotency-Key", "abc")])
        let originalID = try #require(original.json["event_id"]?.stringValue)
        await first.stopAndWait()

        let second = try await TestServer.start { $0.dataDirectory = directory; $0.bootstrapKey = key }
        defer { second.stop() }
        let repeated = try await second.anonymous.request("POST", "/v1/ingest/\(source)", json: ["n": 1], headers: [("idempotency-key", "abc")])
        #expect(repeated.status == 200)
        #expect(repeated.json["duplicate"] == true)
        #expect(repeated.json["event_id"]?.stringValue == originalID)
    }
}
