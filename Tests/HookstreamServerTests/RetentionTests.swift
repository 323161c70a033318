import Foundation
import HookstreamCore
import HookstreamServer
import HookstreamStore
import HookstreamTesting
import JSONValue
import Testing

/// `--retention-days` through the real API on a manual clock: time is moved days forward
/// instead of waited for, and every expectation waits for a positive condition.
@Suite struct RetentionTests {
    static func start(retentionDays: Double = 1) async throws -> (TestServer, ManualClock) {
        let clock = ManualClock()
        let server = try await TestServer.start { c in
            c.clock = clock
            c.retentionDays = retentionDays
        }
        return (server, clock)
    }

    static func create(_ api: TestHTTPClient, _ path: String, _ body: JSON) async throws -> String {
        let response = try await api.post(path, body)
        #expect(response.status == 201, "\(path): \(response.text)")
        return try #require(response.json["id"]?.stringValue, "\(path): \(response.text)")
    }

    /// A source routed to `destination` (or to nothing).
    static func source(_ api: TestHTTPClient, _ name: String, to destination: String?) async throws -> String {
        let source = try await create(api, "/v1/sources", ["name": .string(name)])
        if let destination {
            _ = try await create(api, "/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        }
        return source
    }

    static func ingest(_ server: TestServer, _ source: String, _ body: [UInt8], contentType: String) async throws -> String {
        let response = try await server.anonymous.request(
            "POST", "/v1/ingest/\(source)?tag=x&tag=y", body: body, headers: [("Content-Type", contentType), ("X-Custom", "kept")])
        #expect(response.status == 200, "\(response.text)")
        return try #require(response.json["event_id"]?.stringValue, "\(response.text)")
    }

    /// Polls until `condition` holds (generous deadline: the machine is shared).
    static func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestServerError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    static func status(_ api: TestHTTPClient, _ event: String) async throws -> String? {
        try await api.get("/v1/events/\(event)").json["status"]?.stringValue
    }

    @Test func archivesOnlyFinishedEventsAndRestoresThemByteForByte() async throws {
        let (server, clock) = try await Self.start()
        defer { server.stop() }
        let api = server.client
        let ok = try await TestReceiver.start()
        defer { ok.stop() }
        let failing = try await TestReceiver.start()
        defer { failing.stop() }
        failing.setDefault(.status(500))

        let delivered = try await Self.create(api, "/v1/destinations", ["name": "OK", "url": .string(ok.url)])
        let paused = try await Self.create(api, "/v1/destinations", ["name": "Paused", "url": .string(ok.url), "status": "paused"])
        // A failure here is retried in 30 days: a delivery scheduled far in the future.
        let retrying = try await Self.create(
            api, "/v1/destinations",
            ["name": "Failing", "url": .string(failing.url), "retry_max_attempts": 3, "retry_intervals": [2_592_000]])
        let toDelivered = try await Self.source(api, "delivered", to: delivered)
        let toNothing = try await Self.source(api, "unrouted", to: nil)
        let toPaused = try await Self.source(api, "held by destination", to: paused)
        let toRetrying = try await Self.source(api, "retrying", to: retrying)
        let pausedSource = try await Self.source(api, "paused source", to: delivered)
        #expect(try await api.patch("/v1/sources/\(pausedSource)", ["status": "paused"]).status == 200)

        // Finished events: JSON, a body past the inline limit (blob store), bytes that are not
        // UTF-8, and an event no connection routes.
        let large = Array(("{\"items\":[" + (0..<900).map { "{\"n\":\($0),\"pad\":\"abcdefgh\"}" }.joined(separator: ",") + "]}").utf8)
        #expect(large.count > Event.inlineBodyLimit)
        let binary: [UInt8] = [0xFF, 0x00, 0xFE, 0x80, 0x81, 0x0A, 0x00, 0xC3]
        var finished = [
            try await Self.ingest(server, toDelivered, Array(#"{"kind":"small","n":1.50}"#.utf8), contentType: "application/json"),
            try await Self.ingest(server, toDelivered, large, contentType: "application/json"),
            try await Self.ingest(server, toDelivered, binary, contentType: "application/octet-stream"),
        ]
        try await Self.waitUntil("deliveries") {
            for id in finished where try await Self.status(api, id) != "delivered" { return false }
            return true
        }
        finished.append(try await Self.ingest(server, toNothing, Array("plain text".utf8), contentType: "text/plain"))
        // Live events: a held delivery (paused destination), a retry scheduled in 30 days, and
        // an event held by its paused source.
        let heldByDestination = try await Self.ingest(server, toPaused, Array(#"{"live":1}"#.utf8), contentType: "application/json")
        let scheduled = try await Self.ingest(server, toRetrying, Array(#"{"live":2}"#.utf8), contentType: "application/json")
        let heldBySource = try await Self.ingest(server, pausedSource, Array(#"{"live":3}"#.utf8), contentType: "application/json")
        try await Self.waitUntil("the first failure and its scheduled retry") {
            let attempts = try await api.get("/v1/events/\(scheduled)").json["delivery_attempts"]?.arrayValue ?? []
            return attempts.contains { $0["status"] == "failed" } && attempts.contains { $0["status"] == "pending" }
        }
        var originals: [String: [UInt8]] = [:]
        for id in finished + [heldByDestination, scheduled, heldBySource] { originals[id] = try await api.get("/v1/events/\(id)").body }
        let day = ArchiveDay(containing: clock.nowMillis).text
        let totalBefore = try await api.get("/v1/events").json["pagination"]?["total"]

        clock.advance(by: .seconds(3 * 86_400))
        try await Self.waitUntil("the finished events to be archived") {
            for id in finished where try await api.get("/v1/events/\(id)").status != 404 { return false }
            return true
        }
        // Nothing live was touched.
        for id in [heldByDestination, scheduled, heldBySource] {
            #expect(try await api.get("/v1/events/\(id)").body == originals[id], "a live event changed: \(id)")
        }
        let archives = try await api.get("/v1/events/archives")
        #expect(archives.status == 200)
        #expect(archives.json["retention_days"] == 1)
        #expect(archives.json["archives"]?[0]?["date"] == .string(day))
        #expect(archives.json["archives"]?[0]?["event_count"] == 4)
        #expect(archives.json["archives"]?[0]?["last_restored_at"] == .null)

        // The file: one gzip stream of NDJSON, one line per archived event, bodies inlined.
        let org = try #require(try await api.get("/v1/auth/me").json["organization"]?["id"]?.stringValue)
        let archiveDay = try #require(ArchiveDay(parsing: day))
        let file = try #require(try await TestStore.archive(dataDirectory: server.dataDirectory, organizationID: org, day: archiveDay))
        var lines: [ArchiveRecord] = []
        try GzipMembers.decompress(file) { member in lines += try ArchiveLine.lines(member).map(ArchiveLine.decode) }
        #expect(Set(lines.map(\.eventID)) == Set(finished))
        #expect(lines.count == finished.count, "a line was written twice")
        #expect(lines.first { $0.eventID == finished[1] }?.body == large)
        #expect(lines.first { $0.eventID == finished[2] }?.body == binary)
        // (No blob directory at all on a shared database: the body was in its row.)
        let blobDirectory = "\(server.dataDirectory)/blobs/\(org)/\(day)"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: blobDirectory)) ?? []).isEmpty, "the blob stayed")

        // Restore: bad date, unknown day, then the day itself, twice.
        let bad = try await api.post("/v1/events/archives/2026-02-30/restore", [:])
        #expect(bad.status == 400)
        #expect(bad.json["status"] == 400 && bad.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        #expect(try await api.post("/v1/events/archives/1999-01-01/restore", [:]).status == 404)
        let stranger = try await server.newTenantKey()
        #expect(try await stranger.get("/v1/events/archives").json["archives"] == [])
        #expect(try await stranger.post("/v1/events/archives/\(day)/restore", [:]).status == 404)

        #expect(try await api.post("/v1/events/archives/\(day)/restore", ["overwrite": true]).status == 400, "restore takes no settings")
        let restored = try await api.post("/v1/events/archives/\(day)/restore", [:])
        #expect(restored.status == 200, "\(restored.text)")
        #expect(restored.json == ["date": .string(day), "archived_events": 4, "restored": 4, "already_present": 0])
        for id in finished {
            #expect(try await api.get("/v1/events/\(id)").body == originals[id], "restored event \(id) differs from the original")
        }
        let again = try await api.post("/v1/events/archives/\(day)/restore", [:])
        #expect(again.json == ["date": .string(day), "archived_events": 4, "restored": 0, "already_present": 4])
        #expect(try await api.get("/v1/events").json["pagination"]?["total"] == totalBefore)
        #expect(try await api.get("/v1/events/archives").json["archives"]?[0]?["last_restored_at"]?.stringValue != nil)
        // Restored events are as they were: delivered, with no attempt queued again.
        #expect(try await Self.status(api, finished[0]) == "delivered")
        #expect(ok.requests.count == 3)
    }

    @Test func theArchiveCommandsListAndRestoreADay() async throws {
        let (server, clock) = try await Self.start()
        defer { server.stop() }
        let source = try await Self.source(server.client, "cli", to: nil)
        let event = try await Self.ingest(server, source, Array(#"{"cli":true}"#.utf8), contentType: "application/json")
        let original = try await server.client.get("/v1/events/\(event)").body
        let day = ArchiveDay(containing: clock.nowMillis).text
        clock.advance(by: .seconds(3 * 86_400))
        try await Self.waitUntil("the event to be archived") { try await server.client.get("/v1/events/\(event)").status == 404 }

        let env = ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let login = try await CLIRun.run(["login", "--api-key", server.adminKey, "--base-url", server.baseURL], environment: env)
        #expect(login.status == 0, "\(login.stderr)")
        let list = try await CLIRun.run(["events", "archive", "list"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(day) && list.stdout.contains("Retention: 1 days"), "\(list.stdout)")
        let listJSON = try JSON(parsing: try await CLIRun.run(["--json", "events", "archive", "list"], environment: env).stdout)
        #expect(listJSON["archives"]?[0]?["event_count"] == 1)

        let restore = try await CLIRun.run(["events", "archive", "restore", "--date", day], environment: env)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("Restored 1 of 1"), "\(restore.stdout)")
        #expect(try await server.client.get("/v1/events/\(event)").body == original)
        let twice = try await CLIRun.run(["events", "archive", "restore", "--date", day], environment: env)
        #expect(twice.stdout.contains("Restored 0 of 1") && twice.stdout.contains("1 already present"), "\(twice.stdout)")

        let bad = try await CLIRun.run(["events", "archive", "restore", "--date", "01/02/2026"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("YYYY-MM-DD"), "\(bad.stderr)")
    }

    @Test func aNegativeRetentionRefusesToStart() async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = TemporaryDirectory.make(prefix: "hookstream-test")
        configuration.retentionDays = -1
        await #expect(throws: ServerStartError.self) { try await HookstreamServer(configuration: configuration).run(signals: []) }
    }
}
