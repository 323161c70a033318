import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// `snapshot: true` through the real `hookstream serve` and PostgreSQL: existing rows arrive
/// as `INSERT` events marked `snapshot` before the stream, with writes running all along, and
/// the receiver, applying what it gets in order, ends with exactly the database's rows; a
/// snapshot cut by SIGKILL resumes without storing a row twice.
@Suite struct CaptureSnapshotTests {
    typealias Fixture = DatabaseSourcesAPITests.Fixture

    /// `orders` as the database has it: id → the row as the payload maps it.
    func databaseRows(_ f: Fixture) async throws -> [Double: JSON] {
        try await TestPostgres.withConnection(f.uri) { db in
            var rows: [Double: JSON] = [:]
            let result = try await db.query("SELECT id, status, amount::float8 FROM orders", logger: TestPostgres.logger)
            for try await (id, status, amount) in result.decode((Int64, String, Double?).self) {
                rows[Double(id)] = ["id": .number(Double(id)), "status": .string(status), "amount": amount.map(JSON.number) ?? .null]
            }
            return rows
        }
    }

    /// The receiver's view: every delivered change applied in arrival order. With
    /// `REPLICA IDENTITY FULL` each UPDATE and DELETE carries the whole old row, which must be
    /// what the receiver holds — a missed or doubled change breaks that chain.
    struct Replay {
        /// A backfill's snapshot INSERT restates a row the receiver already has, exactly as it
        /// holds it (the changes the view holds were sent first); a snapshot at create meets
        /// only rows the receiver has never seen.
        var snapshotRestates = false
        var rows: [Double: JSON] = [:]
        var broken: [String] = []
        var snapshotRows = 0
        var streamedAfterSnapshotStarted = false
        var snapshotAfterStream = false

        mutating func apply(_ body: JSON) {
            let snapshot = body["metadata"]?["snapshot"] == true
            if snapshot {
                snapshotRows += 1
                if streamedAfterSnapshotStarted { snapshotAfterStream = true }
            } else if snapshotRows > 0 {
                streamedAfterSnapshotStarted = true
            }
            let operation = body["operation"]?.stringValue ?? ""
            let key = (body["after"]?["id"] ?? body["before"]?["id"])?.numberValue ?? -1
            switch operation {
            case "INSERT":
                if snapshot && snapshotRestates {
                    if rows[key] != body["after"] { broken.append("snapshot INSERT of \(key) is \(body["after"] ?? .null), receiver has \(rows[key] ?? .null)") }
                } else if rows[key] != nil { broken.append("INSERT of \(key) which the receiver already has (snapshot: \(snapshot))") }
                rows[key] = body["after"]
            case "UPDATE":
                if rows[key] != body["before"] { broken.append("UPDATE of \(key) from \(body["before"] ?? .null), receiver has \(rows[key] ?? .null)") }
                rows[key] = body["after"]
            case "DELETE":
                if rows[key] != body["before"] { broken.append("DELETE of \(key), receiver has \(rows[key] ?? .null)") }
                rows[key] = nil
            default:
                broken.append("unexpected \(operation)")
            }
        }
    }

    func normalized(_ row: JSON?) -> JSON? {
        guard var object = row?.objectValue else { return row }
        if let amount = object["amount"]?.numberValue { object["amount"] = .number(amount) }
        return .object(object)
    }

    @Test func existingRowsArriveFirstAndConcurrentWritesAreNeitherMissedNorDoubled() async throws {
        // Sized for a loaded CI machine, where every change is one delivery at a time: 1,000
        // rows in 20 pages, 600 concurrent writes.
        let f = try await Fixture.make("snap_seam", arguments: ["--cdc-snapshot-page-rows", "50"])
        defer { f.stop() }
        let tableRows = 1000
        try await f.write([
            "ALTER TABLE orders REPLICA IDENTITY FULL",
            "INSERT INTO orders SELECT g, 'old', g FROM generate_series(1, \(tableRows)) g",
        ])
        // Writes run from before the source exists until after its snapshot: across the slot's
        // creation, the snapshot's view and its pages.
        let writer = Task {
            try await TestPostgres.withConnection(f.uri) { db in
                for i in 0..<600 {
                    let statement =
                        switch i % 3 {
                        case 0: "UPDATE orders SET amount = amount + 1, status = 'upd\(i)' WHERE id = \(1 + (i * 7919) % tableRows)"
                        case 1: "INSERT INTO orders VALUES (\(10_000 + i), 'new', \(i))"
                        default: "DELETE FROM orders WHERE id = \(1 + (i * 104_729) % tableRows)"
                        }
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: TestPostgres.logger)
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let id = try await f.createSource(["tables": ["orders"], "snapshot": true])
        let done = try await f.waitForSource(id, seconds: 180) { $0["stats"]?["snapshot"]?["status"] == "done" }
        let snapshot = try #require(done["stats"]?["snapshot"]?.objectValue, "\(done)")
        #expect(snapshot["tables_done"] == 1 && snapshot["tables_total"] == 1 && snapshot["table"] == .null, "\(snapshot)")
        #expect(snapshot["finished_at"] != .null && snapshot["started_at"] != .null)
        let snapshotRows = try #require(snapshot["rows"]?.numberValue)
        #expect(snapshotRows >= Double(tableRows - 200) && snapshotRows <= Double(tableRows + 200), "the table's rows at the view: \(snapshotRows)")
        try await writer.value

        // Deliveries go one at a time in event order: replay them as a receiver would.
        let expected = try await databaseRows(f)
        var replay = Replay()
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline {
            replay = Replay()
            for request in f.receiver.requests { replay.apply(try JSON(parsing: request.body)) }
            if replay.rows.count == expected.count && replay.rows.allSatisfy({ normalized($0.value) == expected[$0.key] }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(replay.broken.isEmpty, "\(replay.broken.prefix(5))")
        #expect(replay.rows.count == expected.count)
        #expect(replay.rows.allSatisfy { normalized($0.value) == expected[$0.key] }, "the receiver ends with the database's rows")
        #expect(Double(replay.snapshotRows) == snapshotRows)
        #expect(!replay.snapshotAfterStream, "every snapshot row before the first streamed change")
        #expect(replay.streamedAfterSnapshotStarted, "changes stream after the snapshot")
        // Each change is one event: the receiver got every event once.
        let ids = f.receiver.requests.compactMap { try? JSON(parsing: $0.body)["id"]?.stringValue }
        #expect(Set(ids).count == ids.count)
        let total = try await f.api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue
        #expect(total == Double(ids.count))
        let first = try JSON(parsing: try #require(f.receiver.requests.first).body)
        #expect(first["operation"] == "INSERT" && first["before"] == .null && first["metadata"]?["snapshot"] == true, "\(first)")
    }

    @Test func aSnapshotCutBySigkillResumesWithoutStoringARowTwice() async throws {
        let f = try await Fixture.make("snap_kill", arguments: ["--cdc-snapshot-page-rows", "20"])
        defer { f.stop() }
        let rows = 3000
        try await f.write(["INSERT INTO orders SELECT g, 'old', g FROM generate_series(1, \(rows)) g"])
        let id = try await f.createSource(["tables": ["orders"], "snapshot": true])
        let midway = try await f.waitForSource(id) { ($0["stats"]?["snapshot"]?["rows"]?.numberValue ?? 0) >= 200 }
        f.server.kill(signal: SIGKILL)
        #expect(await f.server.waitForExit() != nil)
        let cut = midway["stats"]?["snapshot"]?["rows"]?.numberValue ?? 0
        #expect(midway["stats"]?["snapshot"]?["status"] == "running" && cut < Double(rows), "killed mid-snapshot: \(midway)")

        let again = try await ServerProcess.start(
            dataDirectory: f.server.dataDirectory, arguments: ["--api-rate-limit", "0", "--cdc-snapshot-page-rows", "20"])
        defer { again.kill() }
        let api = TestHTTPClient(baseURL: again.baseURL, apiKey: f.api.apiKey)
        let done = try await f.waitForSource(id, api: api, seconds: 240) { $0["stats"]?["snapshot"]?["status"] == "done" }
        #expect(done["stats"]?["snapshot"]?["rows"] == .number(Double(rows)), "\(done)")
        let total = try await api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue
        #expect(total == Double(rows), "every row stored exactly once as an event")
        // The stream carries on after the snapshot.
        try await f.write(["UPDATE orders SET status = 'after' WHERE id = 7"])
        let streamed = try await f.waitForSource(id, api: api) { $0["stats"]?["changes_captured"] == 1 }
        #expect(streamed["stats"]?["changes_captured"] == 1, "\(streamed)")
        // Every row reached the receiver (deliveries are at least once: a kill may repeat one).
        func deliveredIDs() -> Set<Double> {
            Set(f.receiver.requests.compactMap { request -> Double? in
                let body = try? JSON(parsing: request.body)
                return body?["metadata"]?["snapshot"] == true ? body?["after"]?["id"]?.numberValue : nil
            })
        }
        let delivered = Date().addingTimeInterval(240)
        while deliveredIDs().count < rows, Date() < delivered { try await Task.sleep(for: .milliseconds(100)) }
        #expect(deliveredIDs().count == rows)
    }
}
