import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct DestinationsTests {
    @Test func createReadUpdateDeleteWithSecretsMasked() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let created = try await api.post(
            "/v1/destinations",
            [
                "name": "Backend API", "url": "https://api.example.com/webhooks",
                "headers": ["X-Custom": "value", "Authorization": "Bearer supersecret"],
                "signing_config": ["secret": "whsec_signing1234", "algorithm": "hmac-sha256"],
            ])
        #expect(created.status == 201)
        let d = created.json
        let id = try #require(d["id"]?.stringValue)
        #expect(id.hasPrefix("dst_"))
        #expect(d["type"] == "http")
        #expect(d["method"] == "POST")
        #expect(d["timeout"] == 30)
        #expect(d["retry_max_attempts"] == 5)
        #expect(d["retry_backoff_type"] == "exponential")
        #expect(d["retry_intervals"] == [30, 300, 1800, 7200, 86400])
        #expect(d["headers"]?["X-Custom"] == "value")
        #expect(d["headers"]?["Authorization"] == "••••cret")
        #expect(d["signing_config"]?["secret"] == "••••1234")
        #expect(d["signing_config"]?["algorithm"] == "sha256")
        #expect(d["config"]?["url"] == "https://api.example.com/webhooks")
        #expect(!created.text.contains("supersecret") && !created.text.contains("whsec_signing1234"))

        // Settings inside `config` are accepted too; `enabled: false` pauses.
        let patched = try await api.patch("/v1/destinations/\(id)", ["config": ["timeout": 5, "method": "PUT"], "enabled": false, "retry_max_attempts": 10])
        #expect(patched.status == 200)
        #expect(patched.json["timeout"] == 5)
        #expect(patched.json["method"] == "PUT")
        #expect(patched.json["status"] == "paused")
        #expect(patched.json["retry_max_attempts"] == 10)
        #expect(patched.json["headers"]?["Authorization"] == "••••cret")

        let circuit = try await api.get("/v1/destinations/\(id)/circuit")
        #expect(circuit.json["state"] == "closed")
        #expect(circuit.json["failure_count"] == 0)
        #expect(try await api.post("/v1/destinations/\(id)/circuit/reset", [:]).json["state"] == "closed")

        let list = try await api.get("/v1/destinations?status=paused").json
        #expect(list["destinations"]?.arrayValue?.count == 1)
        #expect(try await api.delete("/v1/destinations/\(id)").status == 200)
        #expect(try await api.get("/v1/destinations/\(id)").status == 404)
        #expect(try await api.get("/v1/destinations/\(id)/circuit").status == 404)
    }

    @Test(arguments: [
        (#"{"name": "x"}"#, "url required"),
        (#"{"name": "x", "url": "ftp://example.com"}"#, "not http"),
        (#"{"name": "x", "url": "not a url"}"#, "garbage url"),
        (#"{"name": "x", "url": "https://e.com", "type": "sqs"}"#, "sqs settings missing"),
        (#"{"name": "x", "type": "kafka"}"#, "kafka settings missing"),
        (#"{"name": "x", "url": "https://e.com", "type": "carrier-pigeon"}"#, "unknown type"),
        (#"{"name": "x", "url": "https://e.com", "method": "BREW"}"#, "bad method"),
        (#"{"name": "x", "url": "https://e.com", "retry_max_attempts": 11}"#, "too many attempts"),
        (#"{"name": "x", "url": "https://e.com", "retry_max_attempts": 0}"#, "too few attempts"),
        (#"{"name": "x", "url": "https://e.com", "retry_backoff_type": "random"}"#, "bad backoff"),
        (#"{"name": "x", "url": "https://e.com", "retry_intervals": []}"#, "empty intervals"),
        (#"{"name": "x", "url": "https://e.com", "timeout": 0}"#, "zero timeout"),
        (#"{"name": "x", "url": "https://e.com", "headers": {"Host": "evil"}}"#, "reserved header"),
        (#"{"name": "x", "url": "https://e.com", "headers": {"X-A": 5}}"#, "header not a string"),
        (#"{"name": "x", "url": "https://e.com", "signing_config": {"algorithm": "md5", "secret": "s"}}"#, "bad signing algorithm"),
        (#"{"name": "x", "url": "https://e.com", "signing_config": {"algorithm": "sha256"}}"#, "signing without secret"),
    ])
    func badInputIsRefusedAndChangesNothing(_ body: String, _ why: String) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.client.request("POST", "/v1/destinations", body: Array(body.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 400, "\(why): \(response.text)")
        #expect(response.json["status"] == 400)
        #expect(try await server.client.get("/v1/destinations").json["destinations"] == [], "\(why) wrote something")
    }

    @Test func templatesAndTenantIsolation() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let templates = try await server.client.get("/v1/destinations/templates").json["templates"]?.arrayValue ?? []
        #expect(Set(templates.compactMap { $0["id"]?.stringValue }) == ["slack", "discord", "pagerduty", "datadog", "zapier", "linear"])
        let id = try #require(try await server.client.post("/v1/destinations", ["name": "mine", "url": "https://e.com/hook"]).json["id"]?.stringValue)
        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/destinations/\(id)").status == 404)
        #expect(try await other.post("/v1/destinations/\(id)/circuit/reset", [:]).status == 404)
        #expect(try await other.delete("/v1/destinations/\(id)").status == 404)
        #expect(try await other.get("/v1/destinations").json["destinations"] == [])
    }

    @Test func cliManagesDestinations() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let created = try await CLIRun.run(
            ["--json", "destinations", "create", "My API", "--url", "https://api.example.com/hook", "--header", "Authorization:Bearer tok12345", "--timeout", "10", "--retry-intervals", "1,2"],
            environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let destination = try JSON(parsing: created.stdout)
        let id = try #require(destination["id"]?.stringValue)
        #expect(destination["timeout"] == 10)
        #expect(destination["retry_intervals"] == [1, 2])
        #expect((try await CLIRun.run(["destinations", "list"], environment: env)).stdout.contains(id))
        #expect((try await CLIRun.run(["destinations", "get", id], environment: env)).stdout.contains("https://api.example.com/hook"))
        #expect((try await CLIRun.run(["destinations", "circuit", id], environment: env)).stdout.contains("closed"))
        #expect((try await CLIRun.run(["destinations", "circuit-reset", id], environment: env)).status == 0)
        let bad = try await CLIRun.run(["destinations", "create", "Queue", "--type", "sqs"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'config.queue_url' is required"), "\(bad.stderr)")
        // A provider type from a settings file; `get` shows them with the credential masked.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sqs-\(UUID().uuidString).json")
        try Data(
            #"{"queue_url":"https://sqs.us-east-1.amazonaws.com/123456789012/orders","region":"us-east-1","access_key_id":"AKIAEXAMPLE123456","secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#
                .utf8
        ).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let queue = try await CLIRun.run(["destinations", "create", "Queue", "--type", "aws_sqs", "--config", "@" + file.path, "--json"], environment: env)
        #expect(queue.status == 0, "\(queue.stderr)")
        let queueID = try #require(try JSON(parsing: Array(queue.stdout.utf8))["id"]?.stringValue)
        let shown = try await CLIRun.run(["destinations", "get", queueID], environment: env)
        #expect(shown.stdout.contains("queue_url:") && shown.stdout.contains("••••EKEY"), "\(shown.stdout)")
        #expect(!shown.stdout.contains("wJalrXUtnFEMI") && !queue.stdout.contains("wJalrXUtnFEMI"))
        let inline = try await CLIRun.run(
            ["destinations", "create", "Bus", "--type", "eventbridge", "--config",
             #"{"event_bus_arn":"default","region":"us-east-1","source":"shop","detail_type":"Order","access_key_id":"AKIAEXAMPLE123456","secret_access_key":"s3cr3t-value-9876"}"#],
            environment: env)
        #expect(inline.status == 0, "\(inline.stderr)")
        #expect(inline.stdout.contains("••••9876") && !inline.stdout.contains("s3cr3t"))
        #expect((try await CLIRun.run(["destinations", "delete", id, "-f"], environment: env)).status == 0)
        #expect(try await server.client.get("/v1/destinations/\(id)").status == 404)
    }
}
