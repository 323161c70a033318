import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct ConnectionsTests {
    func ends(_ server: TestServer) async throws -> (source: String, destination: String) {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let destination = try #require(try await server.client.post("/v1/destinations", ["name": "Backend", "url": "https://e.com/hook"]).json["id"]?.stringValue)
        return (source, destination)
    }

    @Test func createListUpdateDelete() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (source, destination) = try await ends(server)
        let created = try await server.client.post(
            "/v1/connections",
            [
                "name": "Stripe to Backend", "source_id": .string(source), "destination_id": .string(destination),
                "filter_rules": [["field": "payload.type", "operator": "eq", "value": "order.created"]],
                "transform_enabled": true, "transform_expression": #"{ "orderId": data.id, "total": data.amount / 100 }"#,
            ])
        #expect(created.status == 201)
        let id = try #require(created.json["id"]?.stringValue)
        #expect(id.hasPrefix("conn_"))
        #expect(created.json["filter_rules"] == [["field": "payload.type", "op": "eq", "value": "order.created"]])
        #expect(created.json["source_name"] == "Stripe")
        #expect(created.json["destination_name"] == "Backend")
        #expect(created.json["transform_enabled"] == true)

        #expect(try await server.client.get("/v1/connections?source_id=\(source)").json["connections"]?.arrayValue?.count == 1)
        #expect(try await server.client.get("/v1/connections?destination_id=dst_0123456789abcdef0123456789abcdef").json["connections"] == [])

        let patched = try await server.client.patch("/v1/connections/\(id)", ["filter_rules": [["field": "headers.X-Event", "op": "exists", "value": true]], "transform_enabled": false])
        #expect(patched.status == 200)
        #expect(patched.json["filter_rules"]?[0]?["op"] == "exists")
        #expect(patched.json["transform_enabled"] == false)

        #expect(try await server.client.delete("/v1/connections/\(id)").status == 200)
        #expect(try await server.client.get("/v1/connections/\(id)").status == 404)
    }

    @Test func invalidRulesAndTransformsAreRefused() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (source, destination) = try await ends(server)
        func attempt(_ extra: JSONObject) async throws -> TestResponse {
            var body: JSONObject = ["source_id": .string(source), "destination_id": .string(destination)]
            for (k, v) in extra { body[k] = v }
            return try await server.client.post("/v1/connections", .object(body))
        }
        for rules: JSON in [
            [["field": "payload.type", "op": "like", "value": "x"]],
            [["field": "payload.type", "op": "in", "value": "x"]],
            [["op": "eq", "value": "x"]],
            [["field": "payload.n", "op": "gt", "value": "ten"]],
            "not an array",
        ] {
            let response = try await attempt(["filter_rules": rules])
            #expect(response.status == 400, "\(rules)")
        }
        let syntax = try await attempt(["transform_expression": "{ orderId: ", "transform_enabled": true])
        #expect(syntax.status == 400)
        #expect(syntax.json["code"]?.stringValue?.hasPrefix("S0") == true)
        #expect(syntax.json["position"]?.numberValue != nil)
        #expect(try await attempt(["transform_enabled": true]).status == 400)
        #expect(try await server.client.post("/v1/connections", ["source_id": "src_0123456789abcdef0123456789abcdef", "destination_id": .string(destination)]).status == 400)
        #expect(try await server.client.get("/v1/connections").json["connections"] == [])

        // Another organization's source cannot be connected.
        let other = try await server.newTenantKey()
        let theirs = try #require(try await other.post("/v1/destinations", ["name": "x", "url": "https://e.com"]).json["id"]?.stringValue)
        #expect(try await other.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(theirs)]).status == 400)
    }

    @Test func transformPlayground() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let sum = try await api.post("/v1/transforms/test", ["expression": "$sum(items.price) * $x", "payload": ["items": [["price": 2], ["price": 3]]], "bindings": ["x": 10]])
        #expect(sum.json == ["result": 50])
        let header = try await api.post("/v1/transforms/test", ["expression": #"$headers."x-event""#, "payload": [:], "headers": ["X-Event": "paid"]])
        #expect(header.json["result"] == "paid")
        let nothing = try await api.post("/v1/transforms/test", ["expression": "missing.field", "payload": ["a": 1]])
        #expect(nothing.json == ["result": .null, "undefined": true])
        let syntax = try await api.post("/v1/transforms/test", ["expression": "(", "payload": [:]])
        #expect(syntax.status == 400)
        #expect(syntax.json["code"]?.stringValue?.hasPrefix("S0") == true)
        #expect(syntax.json["status"] == 400)
        let runtime = try await api.post("/v1/transforms/test", ["expression": #"$error("boom")"#, "payload": [:]])
        #expect(runtime.status == 400)
        #expect(runtime.json["code"]?.stringValue?.isEmpty == false)
        #expect(try await server.anonymous.post("/v1/transforms/test", ["expression": "1"]).status == 401)

        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let file = TemporaryDirectory.make(prefix: "payload") + "/p.json"
        try Data(#"{"data": {"id": "ord_1", "amount": 4999}}"#.utf8).write(to: URL(fileURLWithPath: file))
        let cli = try await CLIRun.run(["--json", "transforms", "test", "--expression", "{ \"id\": data.id, \"total\": data.amount / 100 }", "--payload", "@" + file], environment: env)
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(try JSON(parsing: cli.stdout)["result"] == ["id": "ord_1", "total": 49.99])
    }

    @Test func cliManagesConnections() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (source, destination) = try await ends(server)
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let created = try await CLIRun.run(
            ["--json", "connections", "create", "Payments", "--source", source, "--destination", destination,
             "--filter", #"[{"field":"body.type","operator":"eq","value":"payment.completed"}]"#],
            environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(try JSON(parsing: created.stdout)["id"]?.stringValue)
        #expect((try await CLIRun.run(["connections", "list"], environment: env)).stdout.contains(id))
        #expect((try await CLIRun.run(["connections", "get", id], environment: env)).stdout.contains("payment.completed"))
        let bad = try await CLIRun.run(["connections", "create", "Bad", "--source", source, "--destination", destination, "--transform", "{ a: "], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("Invalid JSONata expression"))
        #expect((try await CLIRun.run(["connections", "delete", id, "-f"], environment: env)).status == 0)
    }
}
