import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// Faults of a database source through the real `hookstream serve` and PostgreSQL: the
/// database unreachable and back, the slot dropped from outside, hookstream SIGKILLed in the
/// middle of a stream, and one transaction of 10,000 rows.
@Suite struct CaptureFaultsTests {
    typealias Fixture = DatabaseSourcesAPITests.Fixture

    /// Runs statements on the server's maintenance database (to lock the captured one out).
    func onServer(_ statements: [String]) async throws {
        try await TestPostgres.withConnection(try TestPostgres.serverURI()) { db in try await TestPostgres.execute(statements, on: db) }
    }

    @Test func anUnreachableDatabaseIsShownAndCaptureReconnectsWhenItIsBack() async throws {
        let f = try await Fixture.make("fault_unreachable")
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders"]])
        try await f.write(["INSERT INTO orders VALUES (1, 'before', 1)"])
        _ = try await f.received(1)

        let database = f.uri.database
        try await onServer([
            "ALTER DATABASE \(database) ALLOW_CONNECTIONS false",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()",
        ])
        // Recorded by the capture loop itself (last_error_at is only ever set from there).
        let failing = try await f.waitForSource(id) {
            $0["stats"]?["last_error_at"] != .null && $0["stats"]?["last_error"]?.stringValue?.contains("accepting connections") == true
        }
        let message = failing["stats"]?["last_error"]?.stringValue ?? ""
        #expect(message.contains("not currently accepting connections"), "\(failing)")
        // An issue opens, naming the source.
        func captureIssues() async throws -> [JSON] {
            (try await f.api.get("/v1/issues?status=all").json["issues"]?.arrayValue ?? []).filter { $0["error_type"] == "capture_error" }
        }
        let opened = try await captureIssues()
        #expect(opened.count == 1 && opened.first?["source_id"] == .string(id) && opened.first?["status"] == "open", "\(opened)")
        #expect(opened.first?["destination_id"] == .null && opened.first?["severity"] == "critical")

        try await onServer(["ALTER DATABASE \(database) ALLOW_CONNECTIONS true"])
        try await f.write(["INSERT INTO orders VALUES (2, 'after', 2)"])
        let both = try await f.received(2)
        #expect(both.map { $0["after"]?["id"] } == [1, 2])
        let healed = try await f.waitForSource(id) { $0["stats"]?["last_error"] == .null }
        #expect(healed["stats"]?["last_error"] == .null, "cleared once capture works again: \(healed)")
        let resolved = try await captureIssues()
        #expect(resolved.count == 1 && resolved.first?["status"] == "resolved", "resolved once capture works again: \(resolved)")
    }

    @Test func aSlotDroppedFromOutsideIsReportedAndNeverRecreated() async throws {
        let f = try await Fixture.make("fault_slot")
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders"]])
        let slot = "hookstream_" + id.dropFirst(4)
        // As an operator would: end the session using the slot, then drop it (retried, as
        // capture may take the slot again for a moment in between).
        let dropped = try await TestPostgres.withConnection(f.uri) { db in
            for _ in 0..<500 {
                do {
                    // Rows drained: a drop refused because capture holds the slot raises its
                    // error only there, and an undrained refusal looked like success.
                    _ = try await db.query(
                        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = \(slot) AND active_pid IS NOT NULL",
                        logger: TestPostgres.logger
                    ).collect()
                    _ = try await db.query("SELECT pg_drop_replication_slot(\(slot))", logger: TestPostgres.logger).collect()
                    return true
                } catch {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            return false
        }
        try #require(dropped, "the slot could not be dropped")
        try await f.write(["INSERT INTO orders VALUES (1, 'lost', 1)"])
        let reported = try await f.waitForSource(id) { $0["stats"]?["last_error_at"] != .null }
        // The loop's own words, whether it noticed at its next peek or on reconnecting.
        let message = reported["stats"]?["last_error"]?.stringValue ?? ""
        #expect(message.contains("no longer exists") && message.contains(slot), "\(reported)")
        try await Task.sleep(for: .seconds(1))
        #expect(try await f.slots().isEmpty, "never silently re-created from now")
        #expect(f.receiver.requests.isEmpty)
        // Deleting such a source still works (there is nothing left to drop).
        #expect(try await f.api.delete("/v1/sources/\(id)").status == 200)
    }

    /// Counts the source's stored events through the API.
    func eventTotal(_ f: Fixture, _ api: TestHTTPClient, _ id: String) async throws -> Int {
        Int(try await api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue ?? -1)
    }

    @Test func sigkillMidStreamLosesNoChangeAndStoresNoneTwice() async throws {
        let f = try await Fixture.make("fault_kill")
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders"]])
        let transactions = 300
        let perTransaction = 5
        // Writes run on while hookstream is killed and restarted.
        let writer = Task {
            try await TestPostgres.withConnection(f.uri) { db in
                for t in 0..<transactions {
                    let rows = (0..<perTransaction).map { "(\(t * perTransaction + $0), 'new', \($0))" }.joined(separator: ", ")
                    try await db.query(PostgresQuery(unsafeSQL: "INSERT INTO orders VALUES \(rows)"), logger: TestPostgres.logger)
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        // Kill once capture is under way.
        let started = Date().addingTimeInterval(30)
        while try await eventTotal(f, f.api, id) < 100, Date() < started { try await Task.sleep(for: .milliseconds(20)) }
        f.server.kill(signal: SIGKILL)
        #expect(await f.server.waitForExit() != nil)
        let again = try await ServerProcess.start(dataDirectory: f.server.dataDirectory, arguments: ["--api-rate-limit", "0"])
        defer { again.kill() }
        try await writer.value
        let api = TestHTTPClient(baseURL: again.baseURL, apiKey: f.api.apiKey)
        let expected = transactions * perTransaction
        let deadline = Date().addingTimeInterval(60)
        while try await eventTotal(f, api, id) < expected, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await eventTotal(f, api, id) == expected, "every change exactly once as an event")
        #expect(try await api.get("/v1/sources/\(id)").json["stats"]?["changes_captured"]?.numberValue == Double(expected))
        // Every row reached the receiver (deliveries are at least once: a kill may repeat one).
        func deliveredIDs() -> Set<Double> {
            Set(f.receiver.requests.compactMap { (try? JSON(parsing: $0.body))?["after"]?["id"]?.numberValue })
        }
        // One delivery at a time (max_concurrency 1): generous, as a loaded machine is slow.
        let delivered = Date().addingTimeInterval(180)
        while deliveredIDs().count < expected, Date() < delivered { try await Task.sleep(for: .milliseconds(50)) }
        #expect(deliveredIDs().count == expected)
    }

    @Test func aTransactionOfTenThousandRowsIsCapturedWhole() async throws {
        let f = try await Fixture.make("fault_10k")
        defer { f.stop() }
        let created = try await f.api.post(
            "/v1/sources", ["name": "Bulk", "type": "postgresql", "connection_uri": .string(f.uri.text), "tables": ["orders"]])
        let id = try #require(created.json["id"]?.stringValue, "\(created.text)")
        // Capture starts with a route: a paused destination's, so the 10,000 deliveries wait.
        let held = try #require(try await f.api.post("/v1/destinations", ["name": "Held", "url": .string(f.receiver.url)]).json["id"]?.stringValue)
        #expect(try await f.api.patch("/v1/destinations/\(held)", ["enabled": false]).status == 200)
        #expect(try await f.api.post("/v1/connections", ["source_id": .string(id), "destination_id": .string(held)]).status == 201)
        let started = Date()
        // The WAL position before the transaction: once capture has stored it, the slot's
        // confirmed position is its end, past this.
        let written = try await TestPostgres.withConnection(f.uri) { db in
            var lsn = ""
            for try await text in try await db.query("SELECT pg_current_wal_lsn()::text", logger: TestPostgres.logger).decode(String.self) { lsn = text }
            try await TestPostgres.execute(["INSERT INTO orders SELECT g, 'bulk', g % 100 FROM generate_series(1, 10000) g"], on: db)
            return lsn
        }
        let deadline = Date().addingTimeInterval(120)
        while try await eventTotal(f, f.api, id) < 10_000, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        let seconds = Date().timeIntervalSince(started)
        #expect(try await eventTotal(f, f.api, id) == 10_000)
        let source = try await f.api.get("/v1/sources/\(id)").json
        #expect(source["stats"]?["changes_captured"] == 10_000)
        // Not measured as slot_lag_bytes: other suites write WAL to the same server meanwhile.
        let slot = "hookstream_" + id.dropFirst(4)
        var advanced = false
        let advanceDeadline = Date().addingTimeInterval(30)
        while !advanced, Date() < advanceDeadline {
            advanced = try await TestPostgres.withConnection(f.uri) { db in
                var past = false
                for try await value in try await db.query(
                    "SELECT confirmed_flush_lsn > \(written)::pg_lsn FROM pg_replication_slots WHERE slot_name = \(slot)", logger: TestPostgres.logger
                ).decode(Bool.self) { past = value }
                return past
            }
            if !advanced { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(advanced, "the slot advanced past the transaction: \(source)")
        print("10,000-row transaction captured and stored in \(String(format: "%.2f", seconds)) s")
    }

    @Test func aSlotLaggingPastTheLimitOpensAnIssueResolvedOnceCaptureCatchesUp() async throws {
        let f = try await Fixture.make("fault_lag", arguments: ["--cdc-max-lag-bytes", "12000000", "--cdc-lag-check-seconds", "0.2"])
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders"]])
        func lagIssues() async throws -> [JSON] {
            (try await f.api.get("/v1/issues?status=all").json["issues"]?.arrayValue ?? []).filter { $0["error_type"] == "capture_lag" }
        }
        func waitForIssue(_ done: ([JSON]) -> Bool) async throws -> [JSON] {
            let deadline = Date().addingTimeInterval(60)
            var last: [JSON] = []
            while Date() < deadline {
                last = try await lagIssues()
                if done(last) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return last
        }
        #expect(try await f.api.patch("/v1/sources/\(id)", ["status": "paused"]).status == 200)
        // About 20 MB of WAL the paused slot must keep (rows under 2 kB are stored, and
        // logged, uncompressed).
        try await f.write([
            "CREATE TABLE filler (v text)", "INSERT INTO filler SELECT repeat(md5(g::text), 30) FROM generate_series(1, 20000) g",
        ])
        let opened = try await waitForIssue { $0.contains { $0["status"] == "open" } }
        let issue = try #require(opened.first { $0["status"] == "open" }, "\(opened)")
        #expect(issue["source_id"] == .string(id) && issue["destination_id"] == .null && issue["severity"] == "high", "\(issue)")
        #expect(issue["message"]?.stringValue?.contains("resume the source") == true, "\(issue)")
        let warned = try await f.api.get("/v1/sources/\(id)").json
        #expect(warned["stats"]?["warning"]?.stringValue?.contains("--cdc-max-lag-bytes") == true, "\(warned)")

        // Resumed, capture reads past the filler with the next captured change, and the lag falls.
        #expect(try await f.api.patch("/v1/sources/\(id)", ["status": "active"]).status == 200)
        try await f.write(["INSERT INTO orders VALUES (1, 'caught up', 1)"])
        _ = try await f.received(1)
        let resolved = try await waitForIssue { $0.allSatisfy { $0["status"] == "resolved" } }
        #expect(resolved.count == 1 && resolved.first?["status"] == "resolved", "resolved once the lag is back under: \(resolved)")
    }

    @Test func aDroppedTableStopsItsChangesAndTheSourceSaysSo() async throws {
        let f = try await Fixture.make("fault_table")
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders", "customers"]])
        try await f.write(["DROP TABLE customers", "INSERT INTO orders VALUES (1, 'still', 1)"])
        let received = try await f.received(1)
        #expect(received[0]["source"]?["table"] == "orders", "the other tables go on")
        let source = try await f.api.get("/v1/sources/\(id)").json
        #expect(source["stats"]?["missing_tables"] == ["public.customers"], "\(source)")
        #expect(source["stats"]?["warning"]?.stringValue?.contains("public.customers") == true, "\(source)")
    }
}
