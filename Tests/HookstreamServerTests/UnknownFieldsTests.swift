import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// A write body with a member the endpoint does not know is a 400 naming it, and changes
/// nothing: a typo must never silently drop a setting.
@Suite struct UnknownFieldsTests {
    @Test func aMisspelledTemplateIsRefusedNotIgnored() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.client.post("/v1/sources", ["name": "a", "tempalte": "stripe"])
        #expect(response.status == 400)
        #expect(response.json["status"] == 400)
        #expect(response.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        #expect(response.json["error"]?.stringValue == "Unknown field 'tempalte' (did you mean 'template'?)")
        let sources = try await server.client.get("/v1/sources")
        #expect(sources.json["sources"]?.arrayValue?.isEmpty == true)
    }

    @Test func everyWriteEndpointRefusesAnUnknownField() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = "http://127.0.0.1:9/hook"
        let source = try await server.client.post("/v1/sources", ["name": "s"])
        let destination = try await server.client.post("/v1/destinations", ["name": "d", "url": .string(receiver)])
        let sourceID = try #require(source.json["id"]?.stringValue)
        let destinationID = try #require(destination.json["id"]?.stringValue)
        let connection = try await server.client.post("/v1/connections", ["source_id": .string(sourceID), "destination_id": .string(destinationID)])
        let connectionID = try #require(connection.json["id"]?.stringValue)
        let (session, _) = try await server.signUp()

        let unknown: JSON = "zzz"
        let cases: [(client: TestHTTPClient, method: String, path: String, body: JSONObject)] = [
            (server.anonymous, "POST", "/v1/auth/signup", ["email": "x@example.com", "password": "long enough password"]),
            (server.anonymous, "POST", "/v1/auth/login", ["email": "x@example.com", "password": "long enough password"]),
            (server.anonymous, "POST", "/v1/auth/logout", [:]),
            (session, "POST", "/v1/auth/api-keys", ["name": "k"]),
            (server.client, "POST", "/v1/sources", ["name": "n"]),
            (server.client, "PATCH", "/v1/sources/\(sourceID)", ["name": "n"]),
            (server.client, "POST", "/v1/destinations", ["name": "n", "url": .string(receiver)]),
            (server.client, "PATCH", "/v1/destinations/\(destinationID)", ["name": "n"]),
            (server.client, "POST", "/v1/destinations/\(destinationID)/circuit/reset", [:]),
            (server.client, "POST", "/v1/connections", ["source_id": .string(sourceID), "destination_id": .string(destinationID)]),
            (server.client, "PATCH", "/v1/connections/\(connectionID)", ["name": "n"]),
            (server.client, "POST", "/v1/transforms/test", ["expression": "a", "payload": ["a": 1]]),
            (server.client, "PATCH", "/v1/issues/iss_\(String(repeating: "0", count: 32))", ["status": "resolved"]),
            (server.client, "POST", "/v1/issues/iss_\(String(repeating: "0", count: 32))/retry", [:]),
            (server.client, "POST", "/v1/events/evt_\(String(repeating: "0", count: 32))/retry", [:]),
            (server.client, "POST", "/v1/delivery-attempts/da_\(String(repeating: "0", count: 32))/retry", [:]),
        ]
        for (client, method, path, valid) in cases {
            var body = valid
            body["no_such_setting"] = unknown
            let response = try await client.request(method, path, json: .object(body))
            #expect(response.status == 400, "\(method) \(path): \(response.status) \(response.text)")
            #expect(response.json["error"]?.stringValue == "Unknown field 'no_such_setting'", "\(method) \(path)")
        }
        // Nothing above changed anything.
        let unchanged = try await server.client.get("/v1/sources/\(sourceID)")
        #expect(unchanged.json["name"] == "s")
        let sources = try await server.client.get("/v1/sources")
        #expect(sources.json["sources"]?.arrayValue?.count == 1)
    }

    @Test func nestedSettingsAreCheckedAndNamedByTheirPath() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let url: JSON = "http://127.0.0.1:9/hook"
        let inConfig = try await server.client.post("/v1/destinations", ["name": "d", "config": ["urll": url]])
        #expect(inConfig.status == 400)
        #expect(inConfig.json["error"]?.stringValue == "Unknown field 'config.urll' (did you mean 'url'?)")
        let signing = try await server.client.post(
            "/v1/destinations", ["name": "d", "url": url, "config": ["signing_config": ["secert": "s3cret-value"]]])
        #expect(signing.json["error"]?.stringValue == "Unknown field 'config.signing_config.secert' (did you mean 'secret'?)")

        let source = try await server.client.post("/v1/sources", ["name": "s"])
        let destination = try await server.client.post("/v1/destinations", ["name": "d", "url": url])
        let rule: JSON = ["field": "body.type", "op": "eq", "value": "a", "case_insensitive": true]
        let connection = try await server.client.post(
            "/v1/connections",
            ["source_id": source.json["id"] ?? .null, "destination_id": destination.json["id"] ?? .null, "filter_rules": [["field": "body.a", "op": "exists", "value": true], rule]])
        #expect(connection.status == 400)
        #expect(connection.json["error"]?.stringValue == "Unknown field 'filter_rules[1].case_insensitive'")
    }

    @Test func documentedAliasesStayAccepted() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let url: JSON = "http://127.0.0.1:9/hook"
        // Destination settings at the top level or inside `config`, and the type's other spelling.
        let topLevel = try await server.client.post("/v1/destinations", ["name": "top", "type": "webhook", "url": url, "timeout": 5])
        #expect(topLevel.status == 201, "\(topLevel.text)")
        let nested = try await server.client.post(
            "/v1/destinations",
            ["name": "nested", "config": ["url": url, "method": "PUT", "signing_config": ["secret": "s3cret-value", "algorithm": "hmac-sha256"]]])
        #expect(nested.status == 201, "\(nested.text)")
        #expect(nested.json["url"] == url)
        // Source verification in either spelling.
        let source = try await server.client.post(
            "/v1/sources", ["name": "s", "verification_type": "hmac-sha256", "verification_secret": "whatever-secret"])
        #expect(source.status == 201, "\(source.text)")
        // Filter rules with `op` or `operator`.
        let connection = try await server.client.post(
            "/v1/connections",
            [
                "source_id": source.json["id"] ?? .null, "destination_id": topLevel.json["id"] ?? .null,
                "filter_rules": [["field": "body.a", "operator": "eq", "value": 1], ["field": "body.b", "op": "exists", "value": true]],
            ])
        #expect(connection.status == 201, "\(connection.text)")
        // An action with no settings accepts no body and `{}`.
        let empty = try await server.client.request("POST", "/v1/destinations/\(topLevel.json["id"]?.stringValue ?? "")/circuit/reset")
        #expect(empty.status == 200, "\(empty.text)")
        let emptyObject = try await server.client.post("/v1/destinations/\(topLevel.json["id"]?.stringValue ?? "")/circuit/reset", [:])
        #expect(emptyObject.status == 200, "\(emptyObject.text)")
    }
}
