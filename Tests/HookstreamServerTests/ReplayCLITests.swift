import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream replay …`: the real executable against a running server.
@Suite struct ReplayCLITests {
    @Test func createStatusListCancel() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        for n in 0..<3 { _ = try await server.anonymous.post("/v1/ingest/\(source)", ["n": .number(Double(n))]) }
        let destination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Target", "url": .string(receiver.url + "/r")]).json["id"]?.stringValue)
        let from = Timestamp.iso(millis: Timestamp.millis(Date()) - 3_600_000)
        let to = Timestamp.iso(millis: Timestamp.millis(Date()) + 1000)

        let created = try await CLIRun.run(
            ["--json", "replay", "create", "--destination", destination, "--from", from, "--to", to, "--source", source, "--rate-limit", "100"],
            environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(try JSON(parsing: created.stdout)["job"]?["id"]?.stringValue)
        _ = try await receiver.waitFor(count: 3)
        var status = try await CLIRun.run(["replay", "status", id], environment: env)
        for _ in 0..<100 where !status.stdout.contains("completed") {
            try await Task.sleep(for: .milliseconds(50))
            status = try await CLIRun.run(["replay", "status", id], environment: env)
        }
        #expect(status.stdout.contains("Status:       completed") && status.stdout.contains("3/3"), "\(status.stdout)")
        let list = try await CLIRun.run(["replay", "list"], environment: env)
        #expect(list.stdout.contains(id))
        // A finished job cannot be cancelled; the CLI says why.
        let cancel = try await CLIRun.run(["replay", "cancel", id], environment: env)
        #expect(cancel.status != 0)
        #expect(cancel.stderr.contains("already completed"))
        let bad = try await CLIRun.run(["replay", "create", "--destination", destination, "--from", to, "--to", from], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'from'"))
    }
}
