import Foundation
import HookstreamCore
import HookstreamStore
import HookstreamTesting
import JSONValue
import Testing

/// `POST/GET /v1/collections/:id/backfill` through real HTTP, and `hookstream collections
/// backfill`: a collection created after its source's events, backfilled, equals one that
/// synced them live — also when the server is SIGKILLed mid-way.
@Suite struct CollectionsBackfillTests {
    private static func createCollection(_ api: TestHTTPClient, source: String, slug: String) async throws -> String {
        let created = try await api.post(
            "/v1/collections", ["name": .string(slug), "slug": .string(slug), "source_id": .string(source), "primary_key_path": "data.object.id",
                                "timestamp_path": "created"])
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.json["collection"]?["id"]?.stringValue)
    }

    /// Event `i`: one of 7 customers, with provider timestamps that go back and forth.
    private static func body(_ i: Int) -> JSON {
        ["created": .number(Double(1_780_000_000 + (i * 37) % 50)), "data": ["object": ["id": .string("cus_\(i % 7)"), "seq": .number(Double(i))]]]
    }

    /// What must be equal between two collections of the same events: every record's key,
    /// version and data, and the counters.
    private static func state(_ api: TestHTTPClient, _ id: String) async throws -> [String] {
        let export = try await api.get("/v1/collections/\(id)/export")
        var lines = try export.text.split(separator: "\n").map { line in
            let r = try JSON(parsing: String(line))
            return "\(r["primary_key"]?.stringValue ?? "") \(r["event_id"]?.stringValue ?? "") \(r["source_event_at"]?.stringValue ?? "") \(r["data"]?.serialized() ?? "")"
        }.sorted()
        let stats = try await api.get("/v1/collections/\(id)/stats").json
        lines.append("\(stats["record_count"] ?? .null) \(stats["changelog_entries"] ?? .null) \(stats["skipped_older"] ?? .null)")
        return lines
    }

    /// Sends events `range` from six concurrent clients.
    private static func ingest(_ server: TestServer, source: String, _ range: Range<Int>) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for i in stride(from: range.lowerBound + worker, to: range.upperBound, by: 6) {
                        let status = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: Self.body(i)).status
                        #expect(status == 200)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Polls the backfill until `done` says so (or 60 s pass).
    @discardableResult
    private static func waitForBackfill(_ api: TestHTTPClient, _ id: String, until done: (JSON) -> Bool) async throws -> JSON {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let status = try await api.get("/v1/collections/\(id)/backfill").json
            if done(status) { return status }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("backfill of \(id) never got there")
        return .null
    }

    @Test func aBackfilledCollectionEqualsOneSyncedLive() async throws {
        let server = try await TestServer.start { $0.collectionBackfillBatchSize = 4 }
        defer { server.stop() }
        let api = server.client
        let source = try #require(try await api.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let live = try await Self.createCollection(api, source: source, slug: "live")
        for i in 0..<29 { #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: Self.body(i)).status == 200) }
        // A body over the inline limit: the backfill reads it back from the blob store.
        let big: JSON = ["created": 1_780_000_000, "data": ["object": ["id": "cus_big", "notes": .string(String(repeating: "x", count: 64 * 1024))]]]
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: big).status == 200)
        let late = try await Self.createCollection(api, source: source, slug: "late")

        let none = try await api.get("/v1/collections/\(late)/backfill")
        #expect(none.status == 200 && none.json["status"] == "none" && none.json["progress"] == 0)
        let started = try await api.request("POST", "/v1/collections/\(late)/backfill")
        #expect(started.status == 202, "\(started.text)")
        #expect(started.json["status"] == "running" && started.json["total"] == 30 && started.json["message"] == "Backfill started")
        let done = try await Self.waitForBackfill(api, late) { $0["status"] != "running" }
        #expect(done["status"] == "completed" && done["progress"] == 30 && done["total"] == 30 && done["error"] == .null)
        #expect(done["completed_at"]?.stringValue != nil && done["started_at"]?.stringValue != nil)
        let expected = try await Self.state(api, live)
        #expect(expected.count == 9, "8 records and the counters")
        #expect(try await Self.state(api, late) == expected)
        let notes = try await api.get("/v1/collections/\(late)/records/cus_big").json["record"]?["data"]?["data"]?["object"]?["notes"]
        #expect(notes?.stringValue?.count == 64 * 1024)

        let other = try await server.newTenantKey()
        #expect(try await other.request("POST", "/v1/collections/\(late)/backfill").status == 404)
        #expect(try await other.get("/v1/collections/\(late)/backfill").status == 404)
    }

    /// Webhooks that arrive while the backfill runs are synced live into the collection being
    /// backfilled; last-write-wins orders them with the older events the backfill applies
    /// after them, so the records end as a replay of every event in order would leave them.
    @Test func eventsArrivingDuringABackfillEndAsAnInOrderReplay() async throws {
        let server = try await TestServer.start { $0.collectionBackfillBatchSize = 1 }
        defer { server.stop() }
        let api = server.client
        let source = try #require(try await api.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let live = try await Self.createCollection(api, source: source, slug: "live")
        try await Self.ingest(server, source: source, 0..<600)
        let late = try await Self.createCollection(api, source: source, slug: "late")
        #expect(try await api.request("POST", "/v1/collections/\(late)/backfill").status == 202)
        var sentWhileRunning = 0
        for i in 600..<700 {
            #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: Self.body(i)).status == 200)
            if try await api.get("/v1/collections/\(late)/backfill").json["status"] == "running" { sentWhileRunning += 1 }
        }
        #expect(sentWhileRunning > 0, "no event arrived while the backfill ran")
        let done = try await Self.waitForBackfill(api, late) { $0["status"] != "running" }
        #expect(done["status"] == "completed" && done["total"] == 600 && done["progress"] == 600)
        // The records (key, winning event, its time, its data) match; the skip counters may
        // not: an old event the backfill applies after a newer live one is logged as skipped.
        let (lateRecords, liveRecords) = (try await Self.state(api, late).dropLast(), try await Self.state(api, live).dropLast())
        #expect(lateRecords == liveRecords && liveRecords.count == 7)
    }

    @Test func aSecondBackfillWhileOneRunsIsAConflict() async throws {
        // One event per transaction: 300 commits take far longer than the next request.
        let server = try await TestServer.start { $0.collectionBackfillBatchSize = 1 }
        defer { server.stop() }
        let api = server.client
        let source = try #require(try await api.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        try await Self.ingest(server, source: source, 0..<300)
        let id = try await Self.createCollection(api, source: source, slug: "customers")
        #expect(try await api.request("POST", "/v1/collections/\(id)/backfill").status == 202)
        let second = try await api.request("POST", "/v1/collections/\(id)/backfill")
        #expect(second.status == 409)
        #expect(second.json["error"]?.stringValue?.contains("already running") == true && second.json["request_id"] != nil)
        try await Self.waitForBackfill(api, id) { $0["status"] == "completed" }
        #expect(try await api.request("POST", "/v1/collections/\(id)/backfill").status == 202, "once finished it may run again")
    }

    @Test func aBackfillResumesAfterSIGKILLAndAppliesEveryEventOnce() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-backfill")
        let key = APIKey.generate(.live)
        let arguments = ["--bootstrap-key", key, "--api-rate-limit", "0", "--public-rate-limit", "0", "--collection-backfill-batch-size", "1"]
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: arguments)
        let api = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await api.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let live = try await Self.createCollection(api, source: source, slug: "live")
        let count = 600
        for i in 0..<count { #expect(try await TestHTTPClient(baseURL: first.baseURL).request("POST", "/v1/ingest/\(source)", json: Self.body(i)).status == 200) }
        let late = try await Self.createCollection(api, source: source, slug: "late")
        #expect(try await api.request("POST", "/v1/collections/\(late)/backfill").status == 202)
        try await Self.waitForBackfill(api, late) { ($0["progress"]?.numberValue ?? 0) >= 20 }
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        // What the kill left in the database: a running backfill part-way through, so the
        // second process has something to resume (read while no server has the file open).
        let atKill = try #require(try await TestStore.open(dataDirectory: dataDirectory).runningCollectionBackfills().first { $0.collectionID == late })
        #expect(atKill.status == .running && atKill.progress >= 20 && atKill.progress < Int64(count), "killed mid-way: \(atKill)")

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: arguments)
        defer { second.kill(signal: SIGKILL) }
        let resumed = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        let done = try await Self.waitForBackfill(resumed, late) { $0["status"] != "running" }
        #expect(done["status"] == "completed" && done["progress"] == .number(Double(count)) && done["total"] == .number(Double(count)))
        // Same records, versions and counters — changelog entries included, so no event was
        // applied twice across the kill.
        #expect(try await Self.state(resumed, late) == (try await Self.state(resumed, live)))
    }

    @Test func theCLIStartsAndWatchesABackfill() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        for i in 0..<5 { _ = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: Self.body(i)) }
        let id = try await Self.createCollection(server.client, source: source, slug: "customers")
        let none = try await CLIRun.run(["collections", "backfill", id, "--status"], environment: env)
        #expect(none.status == 0 && none.stdout.contains("No backfill"), "\(none.stdout)\(none.stderr)")
        let run = try await CLIRun.run(["collections", "backfill", id, "--wait"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("completed") && run.stdout.contains("5/5"), "\(run.stdout)")
        let status = try JSON(parsing: try await CLIRun.run(["--json", "collections", "backfill", id, "--status"], environment: env).stdout)
        #expect(status["status"] == "completed" && status["progress"] == 5)
        #expect(try await server.client.get("/v1/collections/\(id)").json["record_count"] == 5)
    }
}
