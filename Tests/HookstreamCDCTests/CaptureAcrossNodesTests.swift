import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// Two `hookstream serve` nodes sharing one PostgreSQL store: a database source is captured by
/// one node at a time (the holder of its lease), so its snapshot is read once and each change
/// stored once, and a pause, resume or backfill through either node's API holds for both.
@Suite struct CaptureAcrossNodesTests {
    @Test func oneNodeCapturesASourceAndTheOtherNodesAPISteersIt() async throws {
        let store = try await TestPostgres.createDatabase("cdc_nodes_store")
        let captured = try await TestPostgres.createDatabase("cdc_nodes_db")
        let rows = 300
        try await TestPostgres.withConnection(captured) { db in
            try await TestPostgres.execute(
                [
                    "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)",
                    "INSERT INTO orders SELECT g, 'old' FROM generate_series(1, \(rows)) g",
                ], on: db)
        }
        func write(_ statements: [String]) async throws {
            try await TestPostgres.withConnection(captured) { db in
                for statement in statements { try await db.query(PostgresQuery(unsafeSQL: statement), logger: TestPostgres.logger) }
            }
        }
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "6b", count: 32)
        func start() async throws -> ServerProcess {
            try await ServerProcess.start(
                dataDirectory: TemporaryDirectory.make(prefix: "cdc-nodes"),
                arguments: [
                    "--database-url", store.text, "--database-pool-size", "4", "--master-key", masterKey, "--bootstrap-key", key,
                    "--api-rate-limit", "0", "--cdc-snapshot-page-rows", "20",
                ])
        }
        let a = try await start()
        defer { a.kill() }
        let b = try await start()
        defer { b.kill() }
        let apiA = TestHTTPClient(baseURL: a.baseURL, apiKey: key)
        let apiB = TestHTTPClient(baseURL: b.baseURL, apiKey: key)
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }

        let created = try await apiA.request(
            "POST", "/v1/sources",
            json: ["name": "Shop DB", "type": "postgresql", "connection_uri": .string(captured.text), "tables": ["orders"], "snapshot": true],
            timeout: .seconds(180))
        let id = try #require(created.json["id"]?.stringValue, "\(created.text)")
        let destination = try #require(try await apiA.post("/v1/destinations", ["name": "Receiver", "url": .string(receiver.url)]).json["id"]?.stringValue)
        #expect(try await apiA.post("/v1/connections", ["source_id": .string(id), "destination_id": .string(destination)]).status == 201)
        // Node B runs a loop for the source too: at once after a change through its API (on its
        // own within 10 s). Both loops try for the source's lease.
        #expect(try await apiB.patch("/v1/sources/\(id)", ["name": "Shop DB"]).status == 200)

        func source(_ api: TestHTTPClient) async throws -> JSON { try await api.get("/v1/sources/\(id)").json }
        func total() async throws -> Int {
            Int(try await apiB.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue ?? -1)
        }
        func settle(at expected: Int, _ comment: Comment) async throws {
            let deadline = Date().addingTimeInterval(120)
            while try await total() < expected, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            // Long enough for a second node's capture to have stored its copy.
            try await Task.sleep(for: .seconds(3))
            #expect(try await total() == expected, comment)
        }

        // The snapshot: every row once, though both nodes run a loop for the source.
        try await settle(at: rows, "each existing row once")
        #expect(try await source(apiB)["stats"]?["snapshot"]?["status"] == "done")

        // Streamed changes: each once.
        try await write((1...20).map { "UPDATE orders SET status = 'a\($0)' WHERE id = \($0)" })
        try await settle(at: rows + 20, "each change once")

        // Paused through B: neither node captures.
        #expect(try await apiB.patch("/v1/sources/\(id)", ["status": "paused"]).status == 200)
        try await Task.sleep(for: .seconds(3))
        try await write((1...10).map { "UPDATE orders SET status = 'p\($0)' WHERE id = \($0)" })
        try await Task.sleep(for: .seconds(3))
        #expect(try await total() == rows + 20, "nothing captured while paused")
        // Resumed through B: the changes made meanwhile arrive, once.
        #expect(try await apiB.patch("/v1/sources/\(id)", ["status": "active"]).status == 200)
        try await settle(at: rows + 30, "the paused changes once after the resume")

        // A backfill through B, whichever node captures: the table's rows once more, once.
        let backfill = try await apiB.post("/v1/sources/\(id)/backfill", [:])
        #expect(backfill.status == 202, "\(backfill.text)")
        try await settle(at: 2 * rows + 30, "the backfill's rows once")
        #expect(try await source(apiA)["stats"]?["snapshot"]?["status"] == "done")

        // Node A dies, whether or not it was capturing: B captures from where the store says
        // (within the lease's 10 s when A held it).
        a.kill(signal: SIGKILL)
        #expect(await a.waitForExit() != nil)
        try await write((1...10).map { "UPDATE orders SET status = 'k\($0)' WHERE id = \($0)" })
        try await settle(at: 2 * rows + 40, "the changes after the kill once")

        // Every event reached the receiver.
        let delivered = Date().addingTimeInterval(120)
        while receiver.requests.count < 2 * rows + 40, Date() < delivered { try await Task.sleep(for: .milliseconds(100)) }
        #expect(Set(receiver.requests.compactMap { try? JSON(parsing: $0.body)["id"]?.stringValue }).count == 2 * rows + 40)
    }
}
