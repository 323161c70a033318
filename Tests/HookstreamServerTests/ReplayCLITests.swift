import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream replay …`: the real executable against a running server.
@Suite struct ReplayCLITests {
    /// The CLI's environment, a source holding `events` events `{"n": i}`, a destination on
    /// `receiver`, and a window around them (`from`, `to`) by the server's clock, read once they
    /// are stored.
    static func setup(_ server: TestServer, _ receiver: TestReceiver, events: Int, clock: any GatewayClock) async throws
        -> (env: [String: String], source: String, destination: String, from: String, to: String)
    {
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        for n in 0..<events { _ = try await server.anonymous.post("/v1/ingest/\(source)", ["n": .number(Double(n))]) }
        let destination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Target", "url": .string(receiver.url + "/r")]).json["id"]?.stringValue)
        let millis = clock.nowMillis
        return (env, source, destination, Timestamp.iso(millis: millis - 3_600_000), Timestamp.iso(millis: millis + 1000))
    }

    @Test func createStatusListCancel() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let (env, source, destination, from, to) = try await Self.setup(server, receiver, events: 3, clock: SystemClock())

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

    /// `replay cancel` on a job still running: at 1 event/s on a clock that only this test
    /// moves, the job sends its first event and then waits for its next slot for as long as the
    /// test likes, so it is certainly running when the CLI cancels it.
    @Test func cancelStopsARunningJob() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start { $0.clock = clock }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let (env, _, destination, from, to) = try await Self.setup(server, receiver, events: 5, clock: clock)

        let created = try await CLIRun.run(
            ["--json", "replay", "create", "--destination", destination, "--from", from, "--to", to, "--rate-limit", "1"], environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(try JSON(parsing: created.stdout)["job"]?["id"]?.stringValue)
        try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["processed"] == 1 }
        #expect(try await server.client.get("/v1/replay/\(id)").json["job"]?["status"] == "running")

        let cancel = try await CLIRun.run(["replay", "cancel", id], environment: env)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("✓ Cancelled"), "\(cancel.stdout)")
        #expect(cancel.stdout.contains("Status:       cancelled") && cancel.stdout.contains("1/5"), "\(cancel.stdout)")
        let stored = try await server.client.get("/v1/replay/\(id)").json
        #expect(stored["job"]?["status"] == "cancelled")
        #expect(stored["job"]?["processed"] == 1)
        #expect(stored["job"]?["completed_at"]?.stringValue != nil)
        // Cancelling again is refused, and says why.
        let again = try await CLIRun.run(["replay", "cancel", id], environment: env)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already cancelled"), "\(again.stderr)")
    }
}
