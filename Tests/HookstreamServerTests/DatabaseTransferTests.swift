import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream export` and `import` as an operator moving an installation meets them: an
/// embedded SQLite database with events (one body kept as a file), failed attempts, an issue and
/// a sealed secret goes to PostgreSQL and back without losing or changing a row, the gateway
/// runs on the copy, and an import that cannot be whole changes nothing.
@Suite struct DatabaseTransferTests {
    static let masterKey = String(repeating: "5e", count: 32)

    /// An export's rows per table, sorted: what a move must keep (the header's time differs).
    static func rows(_ export: String) throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        var current = ""
        for line in export.split(separator: "\n").dropFirst() {
            if line.hasPrefix("[") {
                tables[current, default: []].append(String(line))
            } else if let name = try JSON(parsing: String(line))["table"]?.stringValue {
                current = name
                tables[name] = []
            }
        }
        return tables.mapValues { $0.sorted() }
    }

    @Test func anEmbeddedInstallationMovesToPostgreSQLAndBackWithEveryRow() async throws {
        let key = APIKey.generate(.live)
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(503))
        let embedded = TemporaryDirectory.make(prefix: "hookstream-transfer")
        let original = try await ServerProcess.start(
            dataDirectory: embedded,
            arguments: [
                "--database-url", "sqlite:\(embedded)/hookstream.sqlite", "--master-key", Self.masterKey, "--bootstrap-key", key, "--api-rate-limit", "0",
            ])
        let api = TestHTTPClient(baseURL: original.baseURL, apiKey: key)
        let source = try #require(
            try await api.post(
                "/v1/sources", ["name": "Payments", "verification_type": "hmac_sha256", "verification_secret": "s3cret", "verification_header": "X-Signature"]
            ).json["id"]?.stringValue)
        let destination = try #require(
            try await api.post("/v1/destinations", ["name": "Down", "url": .string(receiver.url), "retry_max_attempts": 1]).json["id"]?.stringValue)
        #expect(try await api.post("/v1/connections", ["name": "pay", "source_id": .string(source), "destination_id": .string(destination)]).status == 201)
        func signed(_ client: TestHTTPClient, _ body: String) async throws -> TestResponse {
            try await client.request(
                "POST", "/v1/ingest/\(source)", body: Array(body.utf8),
                headers: [("Content-Type", "application/json"), ("X-Signature", "sha256=" + IngestSecurityTests().hmacHex(body, secret: "s3cret"))])
        }
        let pad = String(repeating: "x", count: 50_000)
        var events: [String] = []
        for body in [#"{"n":1}"#, #"{"n":2,"pad":"\#(pad)"}"#, #"{"n":3,"text":"héllo ✓"}"#] {
            let accepted = try await signed(TestHTTPClient(baseURL: original.baseURL), body)
            #expect(accepted.status == 200, "\(accepted.text)")
            events.append(try #require(accepted.json["event_id"]?.stringValue))
        }
        try await api.eventually("/v1/issues?status=open") { $0["issues"]?.arrayValue?.count == 1 }
        try await api.eventually("/v1/delivery-attempts?status=failed") { ($0["delivery_attempts"]?.arrayValue?.count ?? 0) >= 3 }
        original.kill(signal: SIGTERM)
        _ = await original.waitForExit()
        #expect(FileManager.default.subpaths(atPath: embedded + "/blobs")?.contains { $0.hasSuffix(events[1]) } == true, "the large body is a file")

        // SQLite → file → PostgreSQL → standard output → a new SQLite installation.
        let file = embedded + "/../\(UUID().uuidString).ndjson"
        let exported = try await CLIRun.run(["export", "--data-dir", embedded, "--output", file])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("Exported"), "\(exported.stdout)")
        let first = try String(contentsOfFile: file, encoding: .utf8)
        let postgres = try await TestPostgres.createDatabase("transfer")
        let imported = try await CLIRun.run(["import", "--database-url", postgres.text, "--input", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let second = try await CLIRun.run(["export", "--database-url", postgres.text])
        #expect(second.status == 0, "\(second.stderr)")
        let copy = TemporaryDirectory.make(prefix: "hookstream-transfer-back")
        let back = try await CLIRun.run(["import", "--data-dir", copy], input: second.stdout)
        #expect(back.status == 0, "\(back.stderr)")
        let third = try await CLIRun.run(["export", "--data-dir", copy])
        #expect(third.status == 0, "\(third.stderr)")
        let rows = try Self.rows(first)
        #expect((rows["events"]?.count, rows["delivery_attempts"]?.count, rows["issues"]?.count) == (3, 3, 1))
        #expect(try Self.rows(second.stdout) == rows)
        #expect(try Self.rows(third.stdout) == rows)
        #expect(FileManager.default.subpaths(atPath: copy + "/blobs")?.contains { $0.hasSuffix(events[1]) } == true, "the large body is a file again")

        // The gateway runs on the PostgreSQL copy: bodies, attempts, the issue, and the sealed
        // verification secret, opened with the same master key.
        let moved = try await ServerProcess.start(
            dataDirectory: TemporaryDirectory.make(prefix: "hookstream-transfer-node"),
            arguments: ["--database-url", postgres.text, "--master-key", Self.masterKey, "--api-rate-limit", "0"])
        defer { moved.kill() }
        let onPostgres = TestHTTPClient(baseURL: moved.baseURL, apiKey: key)
        #expect(try await onPostgres.get("/v1/events/\(events[1])").json["body"]?["pad"]?.stringValue == pad)
        #expect(try await onPostgres.get("/v1/events/\(events[2])").json["body"]?["text"] == "héllo ✓")
        #expect(try await onPostgres.get("/v1/issues?status=open").json["issues"]?.arrayValue?.count == 1)
        #expect(try await onPostgres.get("/v1/delivery-attempts?event_id=\(events[0])").json["delivery_attempts"]?.arrayValue?.count == 1)
        #expect(try await signed(TestHTTPClient(baseURL: moved.baseURL), #"{"n":4}"#).status == 200)
        #expect(try await onPostgres.post("/v1/sources", ["name": "After the move"]).status == 201)

        // A database that holds data is refused, and so is anything but a whole export; each
        // refusal is one line and leaves the database empty, so the whole file then imports.
        let again = try await CLIRun.run(["import", "--database-url", postgres.text, "--input", file])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds data"), "\(again.stderr)")
        let lines = first.split(separator: "\n", omittingEmptySubsequences: false)
        let fresh = TemporaryDirectory.make(prefix: "hookstream-transfer-refused")
        for (input, reason) in [
            (lines.dropLast(2).joined(separator: "\n") + "\n", "incomplete"),
            (lines.prefix(3).joined(separator: "\n") + "\n[\"oops\"]\n", "values for"),
            ("hello\n", "not a hookstream export"),
            ("", "empty"),
            (first.replacingOccurrences(of: "\"028_delivery_claims\"", with: "\"028_delivery_claims\",\"999_later\""), "newer hookstream"),
        ] {
            let refused = try await CLIRun.run(["import", "--data-dir", fresh], input: input)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains(reason), "\(reason): \(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
        let whole = try await CLIRun.run(["import", "--data-dir", fresh, "--input", file])
        #expect(whole.status == 0, "\(whole.stderr)")
    }
}
