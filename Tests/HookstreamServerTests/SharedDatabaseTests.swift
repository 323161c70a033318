import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// `serve` and `migrate` on a PostgreSQL database, as an operator meets them: the schema brought
/// up to date once, refused when a newer build migrated it, a URL that cannot work stopped in one
/// line, every node held to one master key, and what one node accepts read by another.
@Suite struct SharedDatabaseTests {
    static func fresh(_ name: String) async throws -> PostgresURI { try await TestPostgres.createDatabase(name) }

    /// A node of the installation on `uri`: its own data directory, the shared master key, and
    /// `key` as its admin key.
    static func node(_ uri: PostgresURI, key: String, masterKey: String, _ more: [String] = []) async throws -> ServerProcess {
        try await ServerProcess.start(
            dataDirectory: TemporaryDirectory.make(prefix: "hookstream-node"),
            arguments: ["--database-url", uri.text, "--master-key", masterKey, "--bootstrap-key", key, "--api-rate-limit", "0"] + more)
    }

    @Test func migrateAppliesEachMigrationOnceOnEitherBackendAndRefusesANewerSchema() async throws {
        let uri = try await Self.fresh("migrate")
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-migrate")
        for target in [["--database-url", uri.text], ["--data-dir", dataDirectory]] {
            let first = try await CLIRun.run(["migrate"] + target)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.hasPrefix("Applied ") && first.stdout.contains("migrations (001_accounts_sources_events … "), "\(first.stdout)")
            let again = try await CLIRun.run(["migrate"] + target)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.hasPrefix("The schema is up to date ("), "\(again.stdout)")
        }

        // A newer build's migration on record: both commands refuse, saying why, and change nothing.
        try await TestPostgres.withConnection(uri) { db in
            try await TestPostgres.execute(["INSERT INTO hookstream_migrations (identifier, applied_at) VALUES ('999_from_the_future', 0)"], on: db)
        }
        let sqlite = try await CollectionsExportTests.run([
            "python3", "-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(\"INSERT INTO grdb_migrations VALUES ('999_from_the_future')\"); db.commit()",
            dataDirectory + "/hookstream.sqlite",
        ])
        #expect(sqlite.status == 0)
        for arguments in [
            ["migrate", "--database-url", uri.text], ["serve", "--port", "0", "--data-dir", dataDirectory, "--database-url", uri.text],
            ["migrate", "--data-dir", dataDirectory], ["serve", "--port", "0", "--data-dir", dataDirectory],
        ] {
            let refused = try await CLIRun.run(arguments)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("migrated by a newer hookstream"), "\(arguments[0]): \(refused.stderr)")
            #expect(refused.stderr.contains("999_from_the_future"), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
    }

    @Test(arguments: [
        ("mysql://root@127.0.0.1/db", "must start with postgres://"),
        ("postgres://127.0.0.1/db", "needs a user name"),
        ("wrong-password", "password authentication failed"),
        ("no-such-database", "does not exist"),
        ("closed-port", "cannot connect"),
    ])
    func aDatabaseURLThatCannotWorkStopsTheStartInOneLine(_ url: String, _ mentions: String) async throws {
        let server = try TestPostgres.serverURI()
        let closed = try ClosedPort()
        defer { closed.close() }
        var target = url
        switch url {
        case "wrong-password": target = PostgresURI(username: server.username, password: "not-the-password", host: server.host, port: server.port, database: "postgres", sslMode: .disable).text
        case "no-such-database": target = PostgresURI(username: server.username, password: server.password, host: server.host, port: server.port, database: "nope_\(UInt32.random(in: 0...UInt32.max))", sslMode: .disable).text
        case "closed-port": target = PostgresURI(username: server.username, password: server.password, host: "127.0.0.1", port: closed.port, database: "postgres", sslMode: .disable).text
        default: break
        }
        let run = try await CLIRun.run(["serve", "--port", "0", "--data-dir", TemporaryDirectory.make(prefix: "hookstream-badurl"), "--database-url", target])
        #expect(run.status != 0)
        #expect(run.stderr.contains(mentions), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("not-the-password"), "\(run.stderr)")
    }

    /// Two nodes on one database, each with its own data directory: what one accepts the other
    /// serves, bodies over the inline limit included (they live in the database, not in a data
    /// directory), and a third node with another master key refuses to start.
    @Test func twoNodesShareEverythingAndANodeWithAnotherKeyIsRefused() async throws {
        let uri = try await Self.fresh("nodes")
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "ab", count: 32)
        let a = try await Self.node(uri, key: key, masterKey: masterKey)
        defer { a.kill() }
        let b = try await Self.node(uri, key: key, masterKey: masterKey)
        defer { b.kill() }
        let onA = TestHTTPClient(baseURL: a.baseURL, apiKey: key)
        let onB = TestHTTPClient(baseURL: b.baseURL, apiKey: key)

        let source = try #require(
            try await onA.post(
                "/v1/sources", ["name": "Shared", "verification_type": "hmac_sha256", "verification_secret": "s3cret", "verification_header": "X-Signature"]
            ).json["id"]?.stringValue)
        let large = String(repeating: "x", count: 50_000)
        let body = #"{"order":"large","pad":"\#(large)"}"#
        // Verified on B with the secret A sealed: both nodes open it with the one master key.
        let accepted = try await TestHTTPClient(baseURL: b.baseURL).request(
            "POST", "/v1/ingest/\(source)", body: Array(body.utf8),
            headers: [("Content-Type", "application/json"), ("X-Signature", "sha256=" + IngestSecurityTests().hmacHex(body, secret: "s3cret"))])
        #expect(accepted.status == 200, "\(accepted.text)")
        let eventID = try #require(accepted.json["event_id"]?.stringValue)
        let event = try await onA.get("/v1/events/\(eventID)")
        #expect(event.status == 200)
        #expect(event.json["body"]?["pad"]?.stringValue?.count == large.count)
        #expect(try await onB.get("/v1/sources/\(source)").json["name"] == "Shared")
        // Twenty identical requests at once, spread over both nodes: one original.
        let deduplicated = try #require(
            try await onA.post("/v1/sources", ["name": "dedup", "dedup_strategy": "body_field", "dedup_field": "data.id", "dedup_window_seconds": 300])
                .json["id"]?.stringValue)
        let outcomes = try await concurrently(Array(0..<20), width: 20) { n in
            try await TestHTTPClient(baseURL: n % 2 == 0 ? a.baseURL : b.baseURL).request(
                "POST", "/v1/ingest/\(deduplicated)", json: ["data": ["id": "pay_1"]]
            ).json
        }
        #expect(Set(outcomes.compactMap { $0["event_id"]?.stringValue }).count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0["duplicate"] == true }.count == 19)

        // Maintenance runs where its lease is held: one node per job.
        let holders = try await TestPostgres.withConnection(uri) { db in
            var holders: [String: String] = [:]
            let rows = try await db.query("SELECT name, holder FROM job_leases WHERE name LIKE 'maintenance: %'", logger: TestPostgres.logger)
            for try await (name, holder) in rows.decode((String, String).self) { holders[name] = holder }
            return holders
        }
        #expect(holders["maintenance: issue auto-resolve"] != nil, "\(holders)")

        let other = try await CLIRun.run([
            "serve", "--port", "0", "--data-dir", TemporaryDirectory.make(prefix: "hookstream-node"), "--database-url", uri.text, "--master-key",
            String(repeating: "cd", count: 32),
        ])
        #expect(other.status != 0)
        #expect(other.stderr.contains("every node sharing a database needs the same --master-key"), "\(other.stderr)")
    }
}
