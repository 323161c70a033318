import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Scheduled webhooks are durable: a server killed with SIGKILL before a schedule is due
/// fires it after the restart, and one that already fired is not fired again.
@Suite(.serialized) struct ToolScheduleRestartTests {
    @Test func aScheduleSurvivesAKillAndFiresExactlyOnce() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-schedule-restart")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let arguments = ["--public-outbound", "all", "--tools-rate-limit", "0"]
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: arguments)
        let client = TestHTTPClient(baseURL: first.baseURL)

        // One fires while the first process runs…
        let early = try #require(
            try await client.post("/v1/tools/schedule", ["url": .string(receiver.url + "/early"), "delay_seconds": 1]).json["schedule_id"]?.stringValue)
        _ = try await client.eventually("/v1/tools/schedule/\(early)") { $0["status"] == "completed" }
        // …the other is still pending when the process is killed.
        let late = try await client.post("/v1/tools/schedule", ["url": .string(receiver.url + "/late"), "delay_seconds": 4, "body": "after the restart"])
        let lateID = try #require(late.json["schedule_id"]?.stringValue, "\(late.text)")
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        #expect(receiver.requests.map(\.path) == ["/early"], "the kill came after the late schedule fired")

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: arguments)
        defer { second.kill(signal: SIGKILL) }
        let after = TestHTTPClient(baseURL: second.baseURL)
        let done = try await after.eventually("/v1/tools/schedule/\(lateID)", timeout: .seconds(30)) { $0["status"] == "completed" }
        #expect(done["response_status"] == 200, "\(done)")
        // Completed means claimed, and a claim is handed out once: the early one was not fired
        // again by the new process, the late one arrived once.
        #expect(receiver.requests.map(\.path) == ["/early", "/late"])
        #expect(receiver.requests.last?.text == "after the restart")
        #expect(try await after.get("/v1/tools/schedule/\(early)").json["status"] == "completed")
    }
}
