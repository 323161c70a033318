import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream collections …`: the real executable against a running server.
@Suite struct CollectionsCLITests {
    @Test func createListGetStatsRecordsAndDelete() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)

        let created = try await CLIRun.run(
            ["--json", "collections", "create", "Customers", "--source", source, "--primary-key", "data.object.id", "--timestamp-path", "created"],
            environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(try JSON(parsing: created.stdout)["collection"]?["id"]?.stringValue)

        for (key, created, email) in [("cus/1", 200, "new@example.com"), ("cus/1", 100, "old@example.com"), ("cus_2", 150, "b@example.com")] {
            let body: JSON = ["created": .number(Double(created)), "data": ["object": ["id": .string(key), "email": .string(email)]]]
            #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: body).status == 200)
        }

        let list = try await CLIRun.run(["collections", "list"], environment: env)
        #expect(list.status == 0)
        #expect(list.stdout.contains(id) && list.stdout.contains("data.object.id"))
        let get = try await CLIRun.run(["collections", "get", id], environment: env)
        #expect(get.stdout.contains("Customers") && get.stdout.contains("Records:      2"))
        let stats = try await CLIRun.run(["collections", "stats", id], environment: env)
        #expect(stats.stdout.contains("Skipped (older):    1"), "\(stats.stdout)")

        let schema = try await CLIRun.run(["collections", "schema", id], environment: env)
        #expect(schema.status == 0, "\(schema.stderr)")
        #expect(schema.stdout.contains("data.object.email") && schema.stdout.contains("Sampled 2 records"), "\(schema.stdout)")
        #expect(schema.stdout.contains("NULLABLE"))
        let records = try await CLIRun.run(["collections", "records", id], environment: env)
        #expect(records.stdout.contains("cus/1") && records.stdout.contains("cus_2"))
        let found = try await CLIRun.run(["collections", "records", id, "--search", "b@example.com"], environment: env)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("cus_2") && !found.stdout.contains("cus/1"), "\(found.stdout)")
        let one = try await CLIRun.run(["collections", "records", id, "cus/1"], environment: env)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("new@example.com") && !one.stdout.contains("old@example.com"))
        let history = try JSON(parsing: try await CLIRun.run(["--json", "collections", "records", id, "cus/1", "--changelog"], environment: env).stdout)
        #expect(history["changelog"]?.arrayValue?.compactMap { $0["action"]?.stringValue } == ["skipped", "created"])
        let missing = try await CLIRun.run(["collections", "records", id, "nope"], environment: env)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("Record not found"))
        #expect(try await CLIRun.run(["collections", "records", id, "--changelog"], environment: env).status != 0)

        let deleted = try await CLIRun.run(["collections", "delete", id, "--force"], environment: env)
        #expect(deleted.status == 0)
        #expect(try await server.client.get("/v1/collections/\(id)").status == 404)
    }
}
