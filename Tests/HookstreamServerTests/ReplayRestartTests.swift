import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// A replay job survives its server: killed with SIGKILL in the middle, the restarted process
/// resumes the job after the last event it recorded and finishes it.
@Suite(.serialized) struct ReplayRestartTests {
    @Test func aKilledServerResumesTheJobWithoutResendingWhatItRecorded() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-replay-restart")
        let key = APIKey.generate(.live)
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        for n in 0..<20 {
            #expect(try await TestHTTPClient(baseURL: first.baseURL).post("/v1/ingest/\(source)", ["n": .number(Double(n))]).status == 200)
        }
        let destination = try #require(
            try await admin.post("/v1/destinations", ["name": "Target", "url": .string(receiver.url + "/replay")]).json["id"]?.stringValue)
        let now = Date()
        let created = try await admin.post(
            "/v1/replay",
            [
                "destination_id": .string(destination), "source_id": .string(source), "rate_limit": 5,
                "from": .string(Timestamp.iso(millis: Timestamp.millis(now) - 3_600_000)), "to": .string(Timestamp.iso(millis: Timestamp.millis(now) + 1000)),
            ])
        let id = try #require(created.json["job"]?["id"]?.stringValue, "\(created.text)")
        _ = try await receiver.waitFor(count: 6)
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        let before = receiver.requests.count

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { second.kill(signal: SIGKILL) }
        let reader = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        let deadline = ContinuousClock.now + .seconds(60)
        var job = JSON.null
        while ContinuousClock.now < deadline {
            job = try await reader.get("/v1/replay/\(id)").json["job"] ?? .null
            if job["status"] == "completed" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(job["status"] == "completed", "\(job)")
        #expect(job["processed"] == 20)
        #expect(job["succeeded"] == 20)
        let numbers = receiver.requests.compactMap { (try? JSON(parsing: $0.body))?["n"]?.numberValue.map { Int($0) } }
        #expect(Set(numbers) == Set(0..<20))
        // Only an event in flight at the kill (sent, not yet recorded) may arrive twice.
        #expect(numbers.count <= 21, "\(numbers)")
        #expect(before < 20, "the kill came after the job had finished")
    }
}
