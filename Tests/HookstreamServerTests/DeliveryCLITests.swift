import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream deliveries|issues|events retry` against a running server and a failing receiver.
@Suite struct DeliveryCLITests {
    @Test func inspectAndRetryFailedDeliveries() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(502))
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]

        let source = try #require(try await server.client.post("/v1/sources", ["name": "cli"]).json["id"]?.stringValue)
        let destination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Flaky", "url": .string(receiver.url), "retry_max_attempts": 1]).json["id"]?.stringValue)
        let connection = try await CLIRun.run(["connections", "create", "cli", "--source", source, "--destination", destination], environment: env)
        #expect(connection.status == 0, "\(connection.stderr)")
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["a": 1]).json["event_id"]?.stringValue)
        _ = try await receiver.waitFor(count: 1)

        var dlq = try await CLIRun.run(["deliveries", "dlq"], environment: env)
        let deadline = ContinuousClock.now + .seconds(10)
        while !dlq.stdout.contains("da_") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            dlq = try await CLIRun.run(["deliveries", "dlq"], environment: env)
        }
        #expect(dlq.status == 0, "\(dlq.stderr)")
        #expect(dlq.stdout.contains("Flaky"))
        let listed = try JSON(parsing: try await CLIRun.run(["--json", "deliveries", "list", "--event", event], environment: env).stdout)
        let attempt = try #require(listed["delivery_attempts"]?[0]?["id"]?.stringValue)
        let detail = try await CLIRun.run(["deliveries", "get", attempt], environment: env)
        #expect(detail.stdout.contains("502"))

        let issues = try await CLIRun.run(["issues", "list"], environment: env)
        #expect(issues.stdout.contains("http_5xx"), "\(issues.stdout)")
        let issue = try #require(try await server.client.get("/v1/issues").json["issues"]?[0]?["id"]?.stringValue)
        let shown = try await CLIRun.run(["issues", "get", issue], environment: env).stdout
        #expect(shown.contains("Destination returned 502"))
        #expect(shown.contains("Severity:     high"), "\(shown)")
        #expect(shown.contains("Timeline:") && shown.contains("opened"), "\(shown)")
        #expect(try await CLIRun.run(["issues", "summary"], environment: env).stdout.contains("open: 1"))

        receiver.setDefault(.status(200))
        let retried = try await CLIRun.run(["issues", "retry", issue], environment: env)
        #expect(retried.stdout.contains("1 of 1"), "\(retried.stdout)")
        let again = try await CLIRun.run(["deliveries", "retry", attempt], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        let eventRetry = try await CLIRun.run(["events", "retry", event], environment: env)
        #expect(eventRetry.status == 0, "\(eventRetry.stderr)")
        #expect(eventRetry.stdout.contains(destination))
        _ = try await receiver.waitFor(count: 2)

        let updated = try await CLIRun.run(["issues", "update", issue, "--status", "acknowledged"], environment: env)
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(try await server.client.get("/v1/issues/\(issue)").json["status"] == "acknowledged")
        let bad = try await CLIRun.run(["issues", "update", issue, "--status", "bogus"], environment: env)
        #expect(bad.status == 1)
        #expect(try await CLIRun.run(["deliveries", "get", "da_0123456789abcdef0123456789abcdef"], environment: env).status == 1)
    }
}
