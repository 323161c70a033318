import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Synchronization
import Testing

/// The PostgreSQL database crashing and coming back under a node taking webhooks: while it is
/// gone requests are answered 503 (never a 500, never a 200 for what was not stored), the node
/// reconnects by itself, and every acknowledged event is there afterwards.
@Suite struct DatabaseRestartTests {
    /// What the senders saw, shared with them.
    final class Traffic: Sendable {
        struct Seen {
            var acknowledged: [String] = []
            var statuses: [Int: Int] = [:]
            var acknowledgedAfterResume = 0
            var resumed = false
        }

        let seen = Mutex(Seen())
        let stop = Mutex(false)
    }

    @Test func aDatabaseCrashUnderLoadIs503sThenServiceAgainAndLosesNothingAcknowledged() async throws {
        try await PrivatePostgres.with { postgres in
            let uri = try await TestPostgres.createDatabase("serve_restart", on: postgres.uri)
            let key = APIKey.generate(.live)
            let server = try await ServerProcess.start(
                dataDirectory: TemporaryDirectory.make(prefix: "hookstream-db-restart"),
                arguments: ["--database-url", uri.text, "--bootstrap-key", key, "--api-rate-limit", "0", "--public-rate-limit", "0"])
            defer { server.kill() }
            let admin = TestHTTPClient(baseURL: server.baseURL, apiKey: key)
            let source = try #require(try await admin.post("/v1/sources", ["name": "Through a crash"]).json["id"]?.stringValue)

            let state = Traffic()
            let baseURL = server.baseURL
            let sender = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var n = 0
                            while !state.stop.withLock({ $0 }) {
                                n += 1
                                let response = try? await TestHTTPClient(baseURL: baseURL).request(
                                    "POST", "/v1/ingest/\(source)", body: Array(#"{"worker":\#(worker),"n":\#(n)}"#.utf8),
                                    headers: [("Content-Type", "application/json")])
                                let status = response?.status ?? 0
                                state.seen.withLock { s in
                                    s.statuses[status, default: 0] += 1
                                    if status == 200, let id = response?.json["event_id"]?.stringValue {
                                        s.acknowledged.append(id)
                                        if s.resumed { s.acknowledgedAfterResume += 1 }
                                    }
                                }
                                // Paced, so the test loads the machine no more than it needs to.
                                try await Task.sleep(for: .milliseconds(status == 200 ? 5 : 50))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            func waitUntil(_ what: String, _ condition: (Traffic.Seen) -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(120)
                while !state.seen.withLock({ condition($0) }) {
                    guard ContinuousClock.now < deadline else { throw TestServerError("timed out waiting for \(what): \(state.seen.withLock { $0.statuses })") }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            try await waitUntil("50 acknowledged events") { $0.acknowledged.count >= 50 }
            try await postgres.halt(.immediate)
            try await waitUntil("refusals while the database is down") { ($0.statuses[503] ?? 0) >= 5 }
            try await postgres.resume()
            state.seen.withLock { $0.resumed = true }
            try await waitUntil("50 events acknowledged after the restart") { $0.acknowledgedAfterResume >= 50 }
            state.stop.withLock { $0 = true }
            try await sender.value

            let result = state.seen.withLock { $0 }
            print("database crash under ingest: statuses \(result.statuses), \(result.acknowledged.count) acknowledged")
            #expect(Set(result.statuses.keys).isSubset(of: [200, 503]), "statuses: \(result.statuses)")
            // Every acknowledged event is stored (read back through the API, pages of 100).
            var stored: Set<String> = []
            var cursor: String?
            repeat {
                let page = try await admin.get("/v1/events?source_id=\(source)&limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
                for event in page.json["events"]?.arrayValue ?? [] { if let id = event["id"]?.stringValue { stored.insert(id) } }
                cursor = page.json["pagination"]?["next_cursor"]?.stringValue
            } while cursor != nil
            let lost = Set(result.acknowledged).subtracting(stored)
            #expect(lost.isEmpty, "\(lost.count) of \(result.acknowledged.count) acknowledged events missing")
        }
    }
}
