import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `GET /v1/collections/:id/export` and `hookstream collections export`, through real HTTP.
@Suite struct CollectionsExportTests {
    private func start() async throws -> (TestServer, source: String, collection: String) {
        let server = try await TestServer.start()
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let created = try await server.client.post(
            "/v1/collections", ["name": "Customers", "slug": "customers", "source_id": .string(source), "primary_key_path": "data.object.id"])
        return (server, source, try #require(created.json["collection"]?["id"]?.stringValue))
    }

    private func send(_ server: TestServer, _ source: String, _ body: String) async throws {
        let response = try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: Array(body.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 200)
    }

    /// Rows of a CSV file as Python's `csv` module reads them.
    private func pythonCSV(_ bytes: [UInt8]) async throws -> [[String]] {
        let path = TemporaryDirectory.make(prefix: "hookstream-csv") + "/export.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let python = try await Self.run(
            ["python3", "-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))", path])
        #expect(python.status == 0)
        return try JSON(parsing: python.output).arrayValue?.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] } ?? []
    }

    @Test func recordsExportAsNDJSONAndAsCSVThatPythonReadsBack() async throws {
        let (server, source, id) = try await start()
        defer { server.stop() }
        let api = server.client
        try await send(server, source, #"{"type":"customer.created","data":{"object":{"id":"cus_1","email":"a@x.io","name":"Doe, \"Jo\"","balance":12345678901234567890}}}"#)
        try await send(server, source, #"{"type":"customer.created","data":{"object":{"id":"cus_2","note":"two\nlines, ünïcode","tags":["vip","b2b"],"address":{"city":"Oslo"}}}}"#)
        try await send(server, source, #"{"type":"customer.updated","data":{"object":{"id":"cus_1","email":"new@x.io","name":"Doe, \"Jo\"","balance":null}}}"#)

        let ndjson = try await api.get("/v1/collections/\(id)/export")
        #expect(ndjson.status == 200)
        #expect(ndjson.header("Content-Type") == "application/x-ndjson")
        #expect(ndjson.header("Content-Disposition") == "attachment; filename=\"customers.ndjson\"")
        let lines = ndjson.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && ndjson.text.hasSuffix("\n"))
        let first = try JSON(parsing: lines[0])
        #expect(first["primary_key"] == "cus_1", "oldest record first")
        #expect(first["data"]?["data"]?["object"]?["email"] == "new@x.io", "its current data")
        #expect(first["event_id"]?.stringValue?.hasPrefix("evt_") == true && first["source_event_at"]?.stringValue != nil)
        #expect(try JSON(parsing: lines[1])["data"]?["data"]?["object"]?["tags"] == ["vip", "b2b"])
        for format in ["json", "ndjson"] {
            #expect(try await api.get("/v1/collections/\(id)/export?format=\(format)").text == ndjson.text, "\(format)")
        }
        // The stored bytes, so a large integer keeps every digit.
        try await send(server, source, #"{"data":{"object":{"id":"cus_3","balance":12345678901234567890}}}"#)
        #expect(try await api.get("/v1/collections/\(id)/export").text.contains(#""balance":12345678901234567890"#))

        let csv = try await api.get("/v1/collections/\(id)/export?format=csv")
        #expect(csv.status == 200)
        #expect(csv.header("Content-Type") == "text/csv; charset=utf-8")
        let rows = try await pythonCSV(csv.body)
        #expect(rows.first == [
            "primary_key", "type", "data.object.id", "data.object.email", "data.object.name", "data.object.balance", "data.object.note",
            "data.object.tags", "data.object.address.city",
        ])
        #expect(rows.dropFirst().first == ["cus_1", "customer.updated", "cus_1", "new@x.io", "Doe, \"Jo\"", "", "", "", ""])
        #expect(rows.dropFirst(2).first == ["cus_2", "customer.created", "cus_2", "", "", "", "two\nlines, ünïcode", #"["vip","b2b"]"#, "Oslo"])
        #expect(rows.count == 4 && rows.last?.first == "cus_3")

        let bad = try await api.get("/v1/collections/\(id)/export?format=xml")
        #expect(bad.status == 400)
        #expect(bad.json["error"]?.stringValue?.contains("format") == true && bad.json["request_id"] != nil)
        #expect(try await api.get("/v1/collections/col_00000000000000000000000000000000/export").status == 404)
    }

    /// More records than one page of the store: every record exactly once, in both formats.
    @Test func anExportCrossesPageBoundaries() async throws {
        let (server, source, id) = try await start()
        defer { server.stop() }
        let count = 1_010
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in stride(from: worker, to: count, by: 8) {
                        try await send(server, source, #"{"data":{"object":{"id":"k\#(i)","n":\#(i)\#(i % 100 == 0 ? #","rare":true"# : "")}}}"#)
                    }
                }
            }
            try await group.waitForAll()
        }
        let ndjson = try await server.client.get("/v1/collections/\(id)/export?format=ndjson")
        let keys = try ndjson.text.split(separator: "\n").map { try JSON(parsing: String($0))["primary_key"]?.stringValue ?? "" }
        #expect(keys.count == count && Set(keys).count == count)
        let rows = try await pythonCSV(try await server.client.get("/v1/collections/\(id)/export?format=csv").body)
        #expect(rows.count == count + 1)
        #expect(rows.first == ["primary_key", "data.object.id", "data.object.n", "data.object.rare"])
        #expect(rows.filter { $0.last == "true" }.count == 11)
    }

    /// 100 000 records (~60 MB of NDJSON) leave the server's peak RSS where it was: the export
    /// holds one page at a time. The rows are written straight into the database file beside
    /// the running server (WAL mode allows it), since 100 000 webhooks would take minutes.
    @Test func exportingAHundredThousandRecordsKeepsServerMemoryBounded() async throws {
        #if os(Linux)
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-export-rss")
        let key = APIKey.generate(.live)
        let server = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { server.kill(signal: SIGKILL) }
        let admin = TestHTTPClient(baseURL: server.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "bulk"]).json["id"]?.stringValue)
        let id = try #require(
            try await admin.post("/v1/collections", ["name": "Bulk", "source_id": .string(source), "primary_key_path": "id"]).json["collection"]?["id"]?
                .stringValue)
        let count = 100_000
        let seed = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=30)
            pad = "x" * 480
            rows = ((f"rec_{i:032x}", sys.argv[2], f"k{i}", f'{{"id":"k{i}","n":{i},"nested":{{"pad":"{pad}","flag":{"true" if i % 2 else "false"}}}}}',
                     f"evt_{i:032x}", 1780000000000 + i, 1780000000000 + i, 1780000000000 + i) for i in range(int(sys.argv[3])))
            with db:
                db.executemany("INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at) VALUES (?,?,?,?,?,?,?,?)", rows)
            """
        if let url = try await TestStore.databaseURL(for: dataDirectory) {
            // The same rows on a PostgreSQL test run, generated by the server.
            try await TestPostgres.withConnection(try PostgresURI(parsing: url)) { db in
                try await TestPostgres.execute(
                    [
                        """
                        INSERT INTO collection_records (id, collection_id, record_key, data, event_id, source_event_at, synced_at, created_at)
                        SELECT 'rec_' || lpad(to_hex(i), 32, '0'), '\(id)', 'k' || i,
                            '{"id":"k' || i || '","n":' || i || ',"nested":{"pad":"' || repeat('x', 480) || '","flag":'
                                || CASE WHEN i % 2 = 1 THEN 'true' ELSE 'false' END || '}}',
                            'evt_' || lpad(to_hex(i), 32, '0'), 1780000000000 + i, 1780000000000 + i, 1780000000000 + i
                        FROM generate_series(0, \(count - 1)) AS i
                        """
                    ], on: db)
            }
        } else {
            #expect(try await Self.run(["python3", "-c", seed, dataDirectory + "/hookstream.sqlite", id, String(count)]).status == 0)
        }

        func peakRSSKiB() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(server.process.pid)/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        let before = try peakRSSKiB()
        var exportedBytes = 0
        for format in ["ndjson", "csv"] {
            let curl = try await Self.run([
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", "X-API-Key: \(key)",
                "\(server.baseURL)/v1/collections/\(id)/export?format=\(format)",
            ])
            let parts = curl.output.split(separator: " ")
            #expect(parts.first == "200", "\(curl.output)")
            exportedBytes = Int(parts.last ?? "") ?? 0
            #expect(exportedBytes > 50_000_000, "\(format): \(exportedBytes) bytes")
        }
        let growthMiB = (try peakRSSKiB() - before) / 1024
        #expect(growthMiB < 32, "peak RSS grew by \(growthMiB) MiB exporting \(exportedBytes / 1_048_576) MiB")
        #endif
    }

    /// Runs a command to completion on a thread of its own (it blocks on the child's output).
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offload {
            let process = try ChildProcess.spawn("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment, stdout: .pipe)
            let data = process.standardOutput!.readDataToEndOfFile()
            return (process.waitUntilExit(), String(decoding: data, as: UTF8.self))
        }
    }

    @Test func theCLIWritesTheExportToAFileOrStandardOutput() async throws {
        let (server, source, id) = try await start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        try await send(server, source, #"{"data":{"object":{"id":"cus_1","email":"a@x.io"}}}"#)
        let stdout = try await CLIRun.run(["collections", "export", id], environment: env)
        #expect(stdout.status == 0, "\(stdout.stderr)")
        #expect(try JSON(parsing: stdout.stdout.trimmingCharacters(in: .newlines))["primary_key"] == "cus_1")
        let file = TemporaryDirectory.make(prefix: "hookstream-export") + "/customers.csv"
        let toFile = try await CLIRun.run(["collections", "export", id, "--format", "csv", "--output", file], environment: env)
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "primary_key,data.object.id,data.object.email\r\ncus_1,cus_1,a@x.io\r\n")
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
        let bad = try await CLIRun.run(["collections", "export", id, "--format", "xml", "--output", file + "2"], environment: env)
        #expect(bad.status != 0 && bad.stderr.contains("format"))
        #expect(!FileManager.default.fileExists(atPath: file + "2") && !FileManager.default.fileExists(atPath: file + "2.partial"))
    }
}
