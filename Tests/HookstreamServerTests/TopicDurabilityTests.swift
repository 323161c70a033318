import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Publishing is as durable as ingest: the server process is killed with SIGKILL while
/// publishes are in flight, and every publish that was answered is there after the restart,
/// with its subscription's delivery.
@Suite(.serialized) struct TopicDurabilityTests {
    @Test func sigkillLosesNoAcknowledgedPublish() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-publish-crash")
        let key = APIKey.generate(.live)
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let topic = try #require(try await admin.post("/v1/topics", ["name": "Crash", "slug": "crash"]).json["id"]?.stringValue)
        // A destination nobody listens on: deliveries stay queued or fail, the publish does not care.
        let destination = try #require(
            try await admin.post("/v1/destinations", ["name": "Nowhere", "url": "http://127.0.0.1:9/hook"]).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/topics/\(topic)/subscriptions", ["destination_id": .string(destination)]).status == 201)

        let stop = StopFlag()
        let publisher = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        async let acknowledged: [String] = withTaskGroup(of: [String].self) { group in
            for c in 0..<12 {
                group.addTask {
                    var ids: [String] = []
                    var n = 0
                    while !stop.isSet {
                        n += 1
                        let body: JSON = ["client": .number(Double(c)), "n": .number(Double(n))]
                        guard let response = try? await publisher.request("POST", "/v1/topics/crash/publish", json: body, timeout: .seconds(5)) else {
                            continue
                        }
                        if response.status == 200, let id = response.json["event_id"]?.stringValue { ids.append(id) }
                    }
                    return ids
                }
            }
            var all: [String] = []
            for await batch in group { all += batch }
            return all
        }
        // Let a couple of hundred publishes through, then kill the server mid-flight.
        for _ in 0..<400 {
            try await Task.sleep(for: .milliseconds(50))
            let total = (try? await admin.get("/v1/events?limit=1&topic_id=\(topic)").json["pagination"]?["total"]?.numberValue) ?? nil
            if (total ?? 0) >= 200 { break }
        }
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        stop.set()
        let acked = await acknowledged
        #expect(acked.count >= 200)

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { second.kill(signal: SIGKILL) }
        let reader = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        var present = Set<String>()
        var cursor: String?
        repeat {
            let page = try await reader.get("/v1/events?limit=100&topic_id=\(topic)" + (cursor.map { "&cursor=\($0)" } ?? "")).json
            for event in page["events"]?.arrayValue ?? [] { if let id = event["id"]?.stringValue { present.insert(id) } }
            cursor = page["pagination"]?["next_cursor"]?.stringValue
        } while cursor != nil
        let lost = Set(acked).subtracting(present)
        #expect(lost.isEmpty, "\(lost.count) acknowledged publishes lost of \(acked.count)")
        // Each came with its delivery, committed in the same transaction.
        for id in acked.prefix(20) {
            #expect(try await reader.get("/v1/events/\(id)").json["delivery_attempts"]?.arrayValue?.isEmpty == false, "\(id) has no delivery")
        }
    }
}
