import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// `type: "postgresql"` sources through the real `hookstream serve` executable against the
/// PostgreSQL test server: validation, capture into routed deliveries, tables, stats, pause,
/// resume, table edits and delete. Needs scripts/with-services postgres.
@Suite struct DatabaseSourcesAPITests {
    /// A hookstream process and a captured database with `orders`, `customers` (both with a
    /// primary key) and `nokey` (none).
    struct Fixture {
        let uri: PostgresURI
        let server: ServerProcess
        let api: TestHTTPClient
        let receiver: TestReceiver

        /// On the test server, or on `server` (a ``PrivatePostgres``'s).
        static func make(_ name: String, server: PostgresURI? = nil, arguments: [String] = []) async throws -> Fixture {
            let uri = try await TestPostgres.createDatabase(name, on: server)
            try await TestPostgres.withConnection(uri) { db in
                try await TestPostgres.execute(
                    [
                        "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(10,2))",
                        "CREATE TABLE customers (id int PRIMARY KEY, email text)",
                        "CREATE TABLE nokey (v text)",
                    ], on: db)
            }
            let key = APIKey.generate(.live)
            let server = try await ServerProcess.start(
                dataDirectory: TemporaryDirectory.make(prefix: "cdc-api"),
                arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"] + arguments)
            return Fixture(uri: uri, server: server, api: TestHTTPClient(baseURL: server.baseURL, apiKey: key), receiver: try await TestReceiver.start())
        }

        func stop() {
            server.kill()
            receiver.stop()
        }

        func write(_ statements: [String]) async throws {
            try await TestPostgres.withConnection(uri) { db in try await TestPostgres.execute(statements, on: db) }
        }

        func slots() async throws -> [String] {
            try await TestPostgres.withConnection(uri) { db in
                var names: [String] = []
                for try await name in try await db.query("SELECT slot_name::text FROM pg_replication_slots WHERE database = current_database()", logger: TestPostgres.logger).decode(String.self) {
                    names.append(name)
                }
                return names
            }
        }

        func publications() async throws -> [String] {
            try await TestPostgres.withConnection(uri) { db in
                var names: [String] = []
                for try await name in try await db.query("SELECT pubname::text FROM pg_publication", logger: TestPostgres.logger).decode(String.self) {
                    names.append(name)
                }
                return names
            }
        }

        /// Creates the source and a destination + connection to the receiver.
        func createSource(_ body: JSONObject) async throws -> String {
            var body = body
            body["name"] = body["name"] ?? "Shop DB"
            body["type"] = "postgresql"
            body["connection_uri"] = body["connection_uri"] ?? .string(uri.text)
            // Created, then connected, as a user would: capture (a snapshot included) waits
            // for the connection.
            // Creating the slot waits until every transaction running on the PostgreSQL server
            // has ended (PostgreSQL needs a consistent start), and the suites share one test
            // server: under the full parallel run another test's long snapshot transaction can
            // hold this request for longer than the client's usual 30 seconds.
            let created = try await api.request("POST", "/v1/sources", json: .object(body), timeout: .seconds(180))
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"]?.stringValue, "\(created.text)")
            let destination = try #require(
                try await api.post("/v1/destinations", ["name": "Receiver", "url": .string(receiver.url), "max_concurrency": 1]).json["id"]?.stringValue)
            let connection = try await api.post("/v1/connections", ["source_id": .string(id), "destination_id": .string(destination)])
            #expect(connection.status == 201, "\(connection.text)")
            return id
        }

        /// The environment of a CLI logged in to this server (a config directory of its own).
        func loggedInCLI() async throws -> [String: String] {
            let env = ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cdc-cli")]
            let key = try #require(api.apiKey)
            #expect(try await CLIRun.run(["login", "--api-key", key, "--base-url", server.baseURL], environment: env).status == 0)
            return env
        }

        /// Polls the source through `api` (a restarted server's; by default the fixture's) until
        /// `done` holds for its JSON, or `seconds` pass (a loaded machine is slow); returns the last.
        func waitForSource(_ id: String, api: TestHTTPClient? = nil, seconds: Double = 60, _ done: (JSON) -> Bool) async throws -> JSON {
            let api = api ?? self.api
            let deadline = Date().addingTimeInterval(seconds)
            var last = JSON.null
            while Date() < deadline {
                last = try await api.get("/v1/sources/\(id)").json
                if done(last) { return last }
                try await Task.sleep(for: .milliseconds(100))
            }
            return last
        }

        /// The bodies the receiver got, parsed.
        func received(_ count: Int) async throws -> [JSON] {
            try await receiver.waitFor(count: count, timeout: .seconds(30)).map { try JSON(parsing: $0.body) }
        }
    }

    @Test func createRefusesWhatCannotBeCapturedAndSaysWhatToFix() async throws {
        let f = try await Fixture.make("api_validate")
        defer { f.stop() }
        func refused(_ body: JSON) async throws -> String {
            let response = try await f.api.post("/v1/sources", body)
            #expect(response.status == 400, "\(response.text)")
            return response.json["error"]?["message"]?.stringValue ?? response.text
        }
        let uri = JSON.string(f.uri.text)
        #expect(try await refused(["name": "x", "type": "postgresql", "connection_uri": "mysql://a@b/c"]).contains("postgres://"))
        #expect(try await refused(["name": "x", "type": "postgresql", "connection_uri": uri, "tables": ["missing"]]).contains("public.missing does not exist"))
        #expect(try await refused(["name": "x", "type": "postgresql", "connection_uri": uri, "tables": ["nokey"]]).contains("REPLICA IDENTITY FULL"))
        #expect(try await refused(["name": "x", "type": "postgresql", "connection_uri": uri, "verification_type": "hmac"]).contains("verification_type"))
        #expect(try await refused(["name": "x", "connection_uri": uri]).contains("postgresql"))
        // A role without REPLICATION is told the line to run.
        try await f.write(["CREATE ROLE app LOGIN PASSWORD 'app-pw'", "GRANT SELECT ON orders TO app"])
        var app = f.uri
        app.username = "app"
        app.password = "app-pw"
        let role = try await refused(["name": "x", "type": "postgresql", "connection_uri": .string(app.text), "tables": ["orders"]])
        #expect(role.contains("ALTER ROLE app WITH REPLICATION"), "\(role)")
        // Unreachable: a closed port.
        var closed = f.uri
        closed.port = 1
        #expect(try await refused(["name": "x", "type": "postgresql", "connection_uri": .string(closed.text), "tables": ["orders"]]).contains("Could not check"))
        // Nothing was made by any refusal.
        #expect(try await f.slots().isEmpty)
        #expect(try await f.publications().isEmpty)
        #expect(try await f.api.get("/v1/sources").json["sources"]?.arrayValue?.isEmpty == true)
    }

    /// A change captured with no route would be delivered nowhere: capture (snapshot included)
    /// starts with the source's first connection and stops with its last, the slot keeping
    /// every change meanwhile.
    @Test func captureWaitsForTheFirstConnectionAndStopsWithTheLast() async throws {
        let f = try await Fixture.make("api_route_gate")
        defer { f.stop() }
        try await f.write(["INSERT INTO orders VALUES (1, 'existing', 1)"])
        let created = try await f.api.post(
            "/v1/sources", ["name": "Shop DB", "type": "postgresql", "connection_uri": .string(f.uri.text), "tables": ["orders"], "snapshot": true])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        try await f.write(["INSERT INTO orders VALUES (2, 'before the connection', 2)"])
        func stored() async throws -> Double? {
            try await f.api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await stored() == 0, "nothing is captured before a connection exists")

        let destination = try #require(
            try await f.api.post("/v1/destinations", ["name": "Receiver", "url": .string(f.receiver.url), "max_concurrency": 1]).json["id"]?.stringValue)
        let connect: JSON = ["source_id": .string(id), "destination_id": .string(destination)]
        let connection = try #require(try await f.api.post("/v1/connections", connect).json["id"]?.stringValue)
        // The snapshot is read when capture starts, so it holds the row written meanwhile too
        // (the slot's copy of that change is behind the snapshot's seam: not sent twice).
        let first = try await f.received(2)
        // Two rows, so two deliveries that need not arrive in row order.
        #expect(Set(first.compactMap { $0["after"]?["id"]?.numberValue }) == [1, 2])
        #expect(first.map { $0["metadata"]?["snapshot"] } == [true, true])
        #expect(f.receiver.requests.count == 2)

        #expect(try await f.api.delete("/v1/connections/\(connection)").status == 200)
        try await f.write(["INSERT INTO orders VALUES (3, 'between connections', 3)"])
        try await Task.sleep(for: .seconds(1))
        #expect(try await stored() == 2, "capture stopped with the last connection")
        #expect(try await f.api.post("/v1/connections", connect).status == 201)
        let all = try await f.received(3)
        #expect(all.last?["after"]?["id"] == 3, "the slot kept the change made meanwhile")
        #expect(try await stored() == 3)
    }

    @Test func capturesRoutesPausesResumesEditsAndDeletes() async throws {
        let f = try await Fixture.make("api_lifecycle", arguments: ["--cdc-max-lag-bytes", "1"])
        defer { f.stop() }
        let id = try await f.createSource(["tables": ["orders"]])

        // The response masks the password; the store keeps it sealed.
        let shown = try await f.api.get("/v1/sources/\(id)")
        #expect(shown.json["type"] == "postgresql")
        #expect(shown.json["tables"] == ["public.orders"])
        let password = try #require(f.uri.password)
        #expect(!shown.text.contains(password))
        #expect(shown.json["connection_uri"]?.stringValue?.contains(":****@") == true)
        #expect(try await f.api.get("/v1/sources").text.contains(password) == false)
        for file in try FileManager.default.contentsOfDirectory(atPath: f.server.dataDirectory) {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: f.server.dataDirectory + "/" + file))) ?? Data()
            #expect(!String(decoding: bytes, as: UTF8.self).contains(password), "the password is in \(file)")
        }
        // No request can forge a change: the source has no ingest URL.
        #expect(shown.json["url"] == .null)
        #expect(try await TestHTTPClient(baseURL: f.server.baseURL).post("/v1/ingest/\(id)", ["forged": true]).status == 404)
        let name = "hookstream_" + id.dropFirst(4)
        #expect(try await f.slots() == [name])

        try await f.write([
            "BEGIN", "INSERT INTO orders VALUES (42, 'pending', 99.00)", "INSERT INTO customers VALUES (1, 'a@example.com')", "COMMIT",
            "UPDATE orders SET status = 'shipped' WHERE id = 42",
        ])
        let first = try await f.received(2)
        #expect(first.map { $0["operation"] } == ["INSERT", "UPDATE"])
        #expect(first[0]["after"] == ["id": 42, "status": "pending", "amount": 99])
        #expect(first[1]["source"]?["table"] == "orders")
        #expect(first[1]["metadata"]?["source_id"] == .string(id))

        // Tables: orders captured, customers not; nokey listed with its identity.
        let tables = try await f.api.get("/v1/sources/\(id)/tables")
        #expect(tables.status == 200, "\(tables.text)")
        let byName = Dictionary(uniqueKeysWithValues: (tables.json["tables"]?.arrayValue ?? []).compactMap { t in t["name"]?.stringValue.map { ($0, t) } })
        #expect(byName["public.orders"]?["captured"] == true)
        #expect(byName["public.customers"]?["captured"] == false)
        #expect(byName["public.nokey"]?["has_primary_key"] == false)

        // Stats: counted, delivered, positioned.
        let deadline = Date().addingTimeInterval(20)
        var stats = JSON.null
        while Date() < deadline {
            stats = try await f.api.get("/v1/sources/\(id)").json["stats"] ?? .null
            if stats["events_delivered"] == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(stats["changes_captured"] == 2)
        #expect(stats["events_delivered"] == 2)
        #expect(stats["events_failed"] == 0)
        #expect(stats["last_lsn"]?.stringValue?.contains("/") == true)
        #expect(stats["slot_lag_bytes"]?.numberValue != nil)
        #expect(stats["last_error"] == .null)

        // Edit tables: customers is captured from now on.
        let edited = try await f.api.patch("/v1/sources/\(id)", ["tables": ["orders", "public.customers"]])
        #expect(edited.status == 200, "\(edited.text)")
        #expect(edited.json["tables"] == ["public.orders", "public.customers"])
        #expect(try await f.api.patch("/v1/sources/\(id)", ["tables": ["nokey"]]).status == 400)
        try await f.write(["INSERT INTO customers VALUES (2, 'b@example.com')"])
        let third = try await f.received(3)
        #expect(third[2]["source"]?["table"] == "customers" && third[2]["after"]?["id"] == 2)

        // Pause: capture stops, the slot keeps the WAL and the lag shows with its warning.
        let paused = try await f.api.patch("/v1/sources/\(id)", ["status": "paused"])
        #expect(paused.status == 200 && paused.json["status"] == "paused", "\(paused.text)")
        try await f.write(["INSERT INTO orders VALUES (43, 'pending', 1.50)", "INSERT INTO orders VALUES (44, 'pending', 2)"])
        let held = try await f.api.get("/v1/sources/\(id)")
        #expect((held.json["stats"]?["slot_lag_bytes"]?.numberValue ?? 0) > 0, "\(held.text)")
        #expect(held.json["stats"]?["warning"]?.stringValue?.contains("--cdc-max-lag-bytes") == true, "\(held.text)")
        #expect(held.json["stats"]?["changes_captured"] == 3)
        #expect(f.receiver.requests.count == 3)

        // Resume: what was committed meanwhile arrives, in order.
        #expect(try await f.api.patch("/v1/sources/\(id)", ["status": "active"]).status == 200)
        let all = try await f.received(5)
        #expect(all[3...].map { $0["after"]?["id"] } == [43, 44])

        // Delete drops slot and publication.
        let deleted = try await f.api.delete("/v1/sources/\(id)")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(try await f.slots().isEmpty)
        #expect(try await f.publications().isEmpty)
        #expect(try await f.api.get("/v1/sources/\(id)").status == 404)
    }

    @Test func omittedTablesCaptureEveryCapturableTableAndCaptureResumesAfterARestart() async throws {
        let f = try await Fixture.make("api_all_tables")
        defer { f.stop() }
        try await f.write(["DROP TABLE nokey"])
        let id = try await f.createSource([:])
        let shown = try await f.api.get("/v1/sources/\(id)")
        #expect(shown.json["tables"] == ["public.customers", "public.orders"], "\(shown.text)")
        try await f.write(["INSERT INTO customers VALUES (1, 'a@example.com')"])
        _ = try await f.received(1)

        // A restarted server resumes capture where it stopped.
        f.server.kill(signal: SIGTERM)
        #expect(await f.server.waitForExit() != nil)
        try await f.write(["INSERT INTO orders VALUES (1, 'new', 5)"])
        let again = try await ServerProcess.start(dataDirectory: f.server.dataDirectory, arguments: ["--api-rate-limit", "0"])
        defer { again.kill() }
        let both = try await f.received(2)
        #expect(both[1]["source"]?["table"] == "orders")
        try await Task.sleep(for: .milliseconds(300))
        #expect(f.receiver.requests.count == 2, "nothing delivered twice")
    }

    @Test func theCLICreatesListsTablesPausesResumesAndManagesDestinations() async throws {
        let f = try await Fixture.make("api_cli")
        defer { f.stop() }
        let env = try await f.loggedInCLI()
        func cli(_ arguments: [String]) async throws -> CLIRun {
            let run = try await CLIRun.run(arguments, environment: env)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return run
        }

        let created = try JSON(parsing: try await cli([
            "--json", "sources", "create", "Shop DB", "--type", "postgresql", "--connection-uri", f.uri.text, "--tables", "orders,customers",
        ]).stdout)
        let id = try #require(created["id"]?.stringValue)
        #expect(created["tables"] == ["public.orders", "public.customers"])
        let shown = try await cli(["sources", "get", id]).stdout
        #expect(shown.contains("postgresql") && shown.contains(":****@") && !shown.contains(f.uri.password ?? "-"))
        let tables = try await cli(["sources", "tables", id]).stdout
        #expect(tables.contains("public.orders") && tables.contains("public.nokey"))

        let added = try JSON(parsing: try await cli([
            "--json", "sources", "destinations", "add", id, "--url", f.receiver.url, "--secret", "s3cret", "-H", "Authorization: Bearer t",
        ]).stdout)
        let destination = try #require(added["id"]?.stringValue)
        #expect(try await cli(["sources", "destinations", "list", id]).stdout.contains(destination))
        try await f.write(["INSERT INTO orders VALUES (1, 'new', 1)"])
        let first = try await f.receiver.waitFor(count: 1, timeout: .seconds(30))
        #expect(first[0].headers["authorization"] == "Bearer t")
        #expect(first[0].headers["user-agent"] == "StreamHook/1.0")

        #expect(try await cli(["sources", "pause", id]).stdout.contains("paused"))
        #expect(try await f.api.get("/v1/sources/\(id)").json["status"] == "paused")
        #expect(try await cli(["sources", "resume", id]).stdout.contains("active"))
        #expect(try await cli(["sources", "set-tables", id, "orders"]).stdout.contains("public.orders"))
        #expect(try await cli(["sources", "destinations", "remove", id, destination]).stdout.contains(destination))
        #expect(try await f.api.get("/v1/sources/\(id)/destinations").json["destinations"] == [])
        #expect(try await cli(["sources", "delete", id, "--force"]).status == 0)
        #expect(try await f.slots().isEmpty)

        // A refusal reaches the terminal with what to fix.
        let refused = try await CLIRun.run(
            ["sources", "create", "Bad", "--type", "postgresql", "--connection-uri", f.uri.text, "--tables", "nokey"], environment: env)
        #expect(refused.status != 0 && refused.stderr.contains("REPLICA IDENTITY FULL"), "\(refused.stderr)")
    }
}
