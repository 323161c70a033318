import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream channels …` and `hookstream alerts …`: the real executable against a running server.
@Suite struct AlertsCLITests {
    @Test func channelsAndAlertsFromTheCommandLine() async throws {
        let server = try await TestServer.start { $0.notificationRetryDelaysSeconds = [0.05] }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]

        let created = try await CLIRun.run(["--json", "channels", "create", "Ops", "--type", "webhook", "--url", receiver.url + "/ops", "--secret", "s3cr3t-value"], environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let channel = try #require(try JSON(parsing: created.stdout)["id"]?.stringValue)
        #expect(!created.stdout.contains("s3cr3t"))
        let list = try await CLIRun.run(["channels", "list"], environment: env)
        #expect(list.stdout.contains(channel) && list.stdout.contains("webhook"), "\(list.stdout)")
        let tested = try await CLIRun.run(["channels", "test", channel], environment: env)
        #expect(tested.status == 0 && tested.stdout.contains("Test notification sent"), "\(tested.stdout) \(tested.stderr)")
        #expect(try await receiver.waitFor(count: 1)[0].headers["x-hookstream-signature"]?.hasPrefix("sha256=") == true)
        let shown = try await CLIRun.run(["channels", "get", channel], environment: env)
        #expect(shown.stdout.contains("success") && shown.stdout.contains("test"), "\(shown.stdout)")
        receiver.setDefault(.status(500))
        let failing = try await CLIRun.run(["channels", "test", channel], environment: env)
        #expect(failing.status != 0 && failing.stdout.contains("HTTP 500"), "\(failing.stdout)")

        let alert = try await CLIRun.run(
            ["--json", "alerts", "create", "Latency Alert", "--type", "high_latency", "--channel", channel, "--threshold", "5000"], environment: env)
        #expect(alert.status == 0, "\(alert.stderr)")
        let rule = try #require(try JSON(parsing: alert.stdout)["alert_rule"])
        let id = try #require(rule["id"]?.stringValue)
        #expect(rule["rule_type"] == "latency" && rule["rule_config"]?["threshold_ms"] == 5000)
        let percent = try await CLIRun.run(["--json", "alerts", "create", "Errors", "--type", "failure_rate", "--threshold", "10", "--channel", channel], environment: env)
        #expect(try JSON(parsing: percent.stdout)["alert_rule"]?["rule_config"]?["threshold"] == 0.1)
        let bad = try await CLIRun.run(["alerts", "create", "X", "--type", "cpu"], environment: env)
        #expect(bad.status != 0 && bad.stderr.contains("'rule_type' must be one of"), "\(bad.stderr)")

        let rules = try await CLIRun.run(["alerts", "list"], environment: env)
        #expect(rules.stdout.contains(id) && rules.stdout.contains("latency"), "\(rules.stdout)")
        let detail = try await CLIRun.run(["alerts", "get", id], environment: env)
        #expect(detail.stdout.contains("Latency Alert") && detail.stdout.contains("History"), "\(detail.stdout)")
        let inUse = try await CLIRun.run(["channels", "delete", channel, "-f"], environment: env)
        #expect(inUse.status != 0 && inUse.stderr.contains(id), "\(inUse.stderr)")
        let jsonList = try await CLIRun.run(["--json", "alerts", "list"], environment: env)
        for rule in try JSON(parsing: jsonList.stdout)["alert_rules"]?.arrayValue ?? [] {
            #expect(try await CLIRun.run(["alerts", "delete", rule["id"]?.stringValue ?? "", "-f"], environment: env).status == 0)
        }
        #expect(try await CLIRun.run(["channels", "delete", channel, "-f"], environment: env).status == 0)
        #expect(try await server.client.get("/v1/notification-channels").json["channels"] == [])
    }
}
