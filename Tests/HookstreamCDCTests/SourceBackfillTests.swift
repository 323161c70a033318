import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// `POST /v1/sources/:id/backfill` through the real `hookstream serve` and PostgreSQL: a
/// source that already streams sends every row again as a snapshot `INSERT` while writes go
/// on, and a receiver applying what it gets in order ends with the database's rows (nothing
/// lost or doubled at the seam); one backfill at a time, refusals, a subset of the tables, a
/// paused source, the CLI.
@Suite struct SourceBackfillTests {
    typealias Fixture = DatabaseSourcesAPITests.Fixture
    let snapshots = CaptureSnapshotTests()

    /// How far the writer got, and when it should stop.
    actor Writer {
        var operations = 0
        var stopped = false

        func wrote() { operations += 1 }
        func stop() { stopped = true }
    }

    func ids(_ f: Fixture) async throws -> Set<Double> { Set(try await snapshots.databaseRows(f).keys) }

    @Test func aBackfillWhileWritesGoOnSendsEveryRowOnceWithNothingLostOrDoubledAtTheSeam() async throws {
        let f = try await Fixture.make("backfill_seam", arguments: ["--cdc-snapshot-page-rows", "50"])
        defer { f.stop() }
        let tableRows = 400
        try await f.write(["ALTER TABLE orders REPLICA IDENTITY FULL"])
        let id = try await f.createSource(["tables": ["orders"]])
        // The rows stream first, as changes.
        try await f.write(["INSERT INTO orders SELECT g, 'old', g FROM generate_series(1, \(tableRows)) g"])
        _ = try await f.receiver.waitFor(count: tableRows, timeout: .seconds(120))

        // The writer goes on from before the backfill until its snapshot is done: across the
        // restart of capture, the view and every page. The bound only keeps a stuck run short.
        let progress = Writer()
        let writer = Task {
            try await TestPostgres.withConnection(f.uri) { db in
                var i = 0
                while !(await progress.stopped), i < 1500 {
                    let statement =
                        switch i % 6 {
                        case 1, 4: "INSERT INTO orders VALUES (\(10_000 + i), 'new', \(i))"
                        case 5: "DELETE FROM orders WHERE id = \(1 + (i * 104_729) % tableRows)"
                        default: "UPDATE orders SET amount = amount + 1, status = 'upd\(i)' WHERE id = \(1 + (i * 7919) % tableRows)"
                        }
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: TestPostgres.logger)
                    await progress.wrote()
                    i += 1
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        while (await progress.operations) < 30 { try await Task.sleep(for: .milliseconds(20)) }
        // Rows that exist now and still exist at the end existed at the view (ids are never
        // reused): each must arrive as a snapshot INSERT.
        let existing = try await ids(f)
        let started = try await f.api.post("/v1/sources/\(id)/backfill", [:])
        #expect(started.status == 202, "\(started.text)")
        #expect(started.json["id"] == .string(id) && started.json["message"] == "Backfill started", "\(started.text)")
        #expect(started.json["stats"]?["snapshot"]?["tables_total"] == 1, "\(started.text)")

        let done = try await f.waitForSource(id, seconds: 240) { $0["stats"]?["snapshot"]?["status"] == "done" }
        await progress.stop()
        try await writer.value
        let snapshot = try #require(done["stats"]?["snapshot"]?.objectValue, "\(done)")
        #expect(snapshot["status"] == "done" && snapshot["tables_done"] == 1 && snapshot["finished_at"] != .null, "\(snapshot)")
        let snapshotRows = try #require(snapshot["rows"]?.numberValue)

        // Replay every delivery in arrival order: a snapshot INSERT restates its row, and with
        // REPLICA IDENTITY FULL every later change must start from what the receiver holds.
        let expected = try await snapshots.databaseRows(f)
        var replay = CaptureSnapshotTests.Replay(snapshotRestates: true)
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            replay = CaptureSnapshotTests.Replay(snapshotRestates: true)
            for request in f.receiver.requests { replay.apply(try JSON(parsing: request.body)) }
            if replay.rows.count == expected.count && replay.rows.allSatisfy({ snapshots.normalized($0.value) == expected[$0.key] }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(replay.broken.isEmpty, "\(replay.broken.prefix(5))")
        #expect(replay.rows.count == expected.count)
        #expect(replay.rows.allSatisfy { snapshots.normalized($0.value) == expected[$0.key] }, "the receiver ends with the database's rows")

        let bodies = try f.receiver.requests.map { try JSON(parsing: $0.body) }
        let snapshotIDs = bodies.filter { $0["metadata"]?["snapshot"] == true }.compactMap { $0["after"]?["id"]?.numberValue }
        #expect(Double(snapshotIDs.count) == snapshotRows, "every row read is delivered once")
        #expect(Set(snapshotIDs).count == snapshotIDs.count, "no row twice in the snapshot")
        let missing = existing.intersection(expected.keys).subtracting(snapshotIDs)
        #expect(missing.isEmpty, "rows without a snapshot INSERT: \(missing.sorted().prefix(10))")
        #expect(bodies.filter { $0["metadata"]?["snapshot"] == true }.allSatisfy { $0["operation"] == "INSERT" && $0["before"] == .null })
        let eventIDs = bodies.compactMap { $0["id"]?.stringValue }
        #expect(Set(eventIDs).count == eventIDs.count, "each event delivered once")
        let total = try await f.api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue
        #expect(total == Double(eventIDs.count))
    }

    @Test func oneBackfillAtATimeRefusalsAPausedSourceWaitsAndTheCLI() async throws {
        let f = try await Fixture.make("backfill_api")
        defer { f.stop() }
        let env = try await f.loggedInCLI()

        // Unknown source, webhook source, a setting the backfill does not take.
        let unknown = try await f.api.post("/v1/sources/src_\(String(repeating: "0", count: 32))/backfill", [:])
        #expect(unknown.status == 404 && unknown.json["status"] == 404, "\(unknown.text)")
        let webhook = try #require(try await f.api.post("/v1/sources", ["name": "Hooks"]).json["id"]?.stringValue)
        let refused = try await f.api.post("/v1/sources/\(webhook)/backfill", [:])
        #expect(refused.status == 400 && refused.json["error"]?.stringValue?.contains("Only postgresql sources") == true, "\(refused.text)")
        let id = try await f.createSource(["tables": ["orders", "customers"]])
        let uncaptured = try await f.api.post("/v1/sources/\(id)/backfill", ["tables": ["nokey"]])
        #expect(uncaptured.status == 400 && uncaptured.text.contains("public.nokey is not captured"), "\(uncaptured.text)")
        #expect(try await f.api.post("/v1/sources/\(id)/backfill", ["tables": []]).status == 400)
        let unknownField = try await f.api.post("/v1/sources/\(id)/backfill", ["table": "orders"])
        #expect(unknownField.status == 400 && unknownField.text.contains("table"), "\(unknownField.text)")

        try await f.write(["INSERT INTO orders VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)", "INSERT INTO customers VALUES (1, 'a@example.com')"])
        _ = try await f.received(4)
        /// What arrived from `index` on, as `table id snapshot`: deliveries of different rows
        /// need not arrive in event order (a row's do), so most checks compare sets.
        func arrived(_ count: Int, from index: Int) async throws -> [String] {
            try await f.received(count)[index...].map { body in
                "\(body["source"]?["table"]?.stringValue ?? "-") \(Int(body["after"]?["id"]?.numberValue ?? 0)) \(body["metadata"]?["snapshot"] == true)"
            }
        }

        // While a backfill waits on a lock held on a table, it is pending: a second is a 409.
        try await TestPostgres.withConnection(f.uri) { db in
            try await TestPostgres.execute(["BEGIN", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"], on: db)
            let first = try await f.api.post("/v1/sources/\(id)/backfill", [:])
            #expect(first.status == 202 && first.json["stats"]?["snapshot"]?["tables_total"] == 2, "\(first.text)")
            let second = try await f.api.post("/v1/sources/\(id)/backfill", [:])
            #expect(second.status == 409 && second.json["status"] == 409 && second.json["request_id"] != nil, "\(second.text)")
            #expect(second.json["error"]?.stringValue?.contains("snapshot of this source is") == true, "\(second.text)")
            let cli = try await CLIRun.run(["sources", "backfill", id], environment: env)
            #expect(cli.status != 0 && cli.stderr.contains("snapshot of this source is"), "\(cli.stderr)")
            try await TestPostgres.execute(["COMMIT"], on: db)
        }
        let done = try await f.waitForSource(id, seconds: 120) { $0["stats"]?["snapshot"]?["status"] == "done" }
        #expect(done["stats"]?["snapshot"]?["rows"] == 4, "\(done)")
        let restated = try await arrived(8, from: 4)
        #expect(Set(restated) == ["orders 1 true", "orders 2 true", "orders 3 true", "customers 1 true"], "\(restated)")

        // A paused source accepts a backfill (through the CLI, of one table) and keeps it
        // pending; it runs on resume. Its view holds the row written meanwhile: that change is
        // sent first, as a change, then the table's rows are restated.
        #expect(try await f.api.patch("/v1/sources/\(id)", ["status": "paused"]).status == 200)
        let requested = try await CLIRun.run(["sources", "backfill", id, "--tables", "orders"], environment: env)
        #expect(requested.status == 0, "\(requested.stderr)")
        #expect(requested.stdout.contains("starts when the source is resumed") && requested.stdout.contains("pending, 0 rows, 0/1 tables"), "\(requested.stdout)")
        #expect(try await f.api.post("/v1/sources/\(id)/backfill", [:]).status == 409)
        try await f.write(["INSERT INTO orders VALUES (4, 'while paused', 4)"])
        #expect(try await f.api.get("/v1/sources/\(id)").json["stats"]?["snapshot"]?["status"] == "pending")
        #expect(try await f.api.patch("/v1/sources/\(id)", ["status": "active"]).status == 200)
        let resumed = try await arrived(13, from: 8)
        #expect(Set(resumed) == ["orders 4 false", "orders 1 true", "orders 2 true", "orders 3 true", "orders 4 true"], "\(resumed)")
        #expect(resumed.firstIndex(of: "orders 4 false") ?? 9 < resumed.firstIndex(of: "orders 4 true") ?? 0, "\(resumed)")
        // The stream goes on after it, and nothing was stored twice before it.
        try await f.write(["UPDATE orders SET status = 'after' WHERE id = 1"])
        let all = try await f.received(14)
        #expect(all.contains { $0["operation"] == "UPDATE" && $0["after"]?["status"] == "after" })
        let stored = try await f.api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue
        #expect(stored == 14)
    }
}
