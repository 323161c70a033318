import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `GET /v1/ws/source/:source_id`: messages ingested through the same pipeline as HTTP,
/// acknowledged only once committed, refusals answered without closing the connection.
@Suite struct InboundSourceStreamTests {
    func source(_ client: TestHTTPClient, _ settings: JSONObject = [:]) async throws -> String {
        var body: JSONObject = ["name": "Device"]
        for (k, v) in settings { body[k] = v }
        let created = try await client.post("/v1/sources", .object(body))
        return try #require(created.json["id"]?.stringValue, "\(created.text)")
    }

    @Test func everyMessageIsAckedOnceCommittedAndRoutedLikeHTTP() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let src = try await source(server.client)
        let dst = try #require(try await server.client.post("/v1/destinations", ["name": "r", "url": .string(receiver.url + "/in")]).json["id"]?.stringValue)
        _ = try await server.client.post(
            "/v1/connections",
            ["source_id": .string(src), "destination_id": .string(dst), "filter_rules": [["field": "body.type", "op": "eq", "value": "order.created"]]])

        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws/source/\(src)?token=\(server.adminKey)", headers: [.userAgent: "sensor/1.0"])
        defer { Task { await ws.close() } }
        let count = 40
        for n in 0..<count {
            try await ws.send(["type": n % 2 == 0 ? "order.created" : "order.updated", "data": ["n": .number(Double(n))]])
        }
        var ids: [String] = []
        for _ in 0..<count {
            let ack = try await ws.next()
            #expect(ack["type"] == "ack", "\(ack)")
            ids.append(try #require(ack["event_id"]?.stringValue))
        }
        // Acknowledged means committed: readable at once, in message order.
        for (n, id) in ids.enumerated() {
            let event = try await server.client.get("/v1/events/\(id)").json
            #expect(event["body"]?["data"]?["n"] == .number(Double(n)))
            #expect(event["source_id"] == .string(src))
            #expect(event["content_type"] == "application/json")
            #expect(event["headers"]?["x-hookstream-transport"] == "websocket")
            #expect(event["headers"]?["user-agent"] == "sensor/1.0")
        }
        #expect(ids == ids.sorted(), "committed in the order sent, so the time-ordered IDs follow it")
        // The connection's filter routed the even ones.
        let delivered = try await receiver.waitFor(count: count / 2)
        #expect(Set(delivered.compactMap { try? JSON(parsing: $0.body)["data"]?["n"]?.numberValue }) == Set(stride(from: 0, to: count, by: 2).map(Double.init)))

        // Text that is not JSON, and binary frames, are events too.
        try await ws.sendText("temperature=21.5")
        let textID = try #require(try await ws.next()["event_id"]?.stringValue)
        let text = try await server.client.get("/v1/events/\(textID)").json
        #expect(text["body"] == "temperature=21.5")
        #expect(text["content_type"] == "text/plain; charset=utf-8")
    }

    @Test func refusedMessagesAreAnsweredAndTheConnectionStaysUp() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let src = try await source(
            server.client,
            [
                "schema_validation_enabled": true, "schema_action": "reject",
                "json_schema": ["type": "object", "required": ["type"], "properties": ["type": ["type": "string"]]],
                "dedup_strategy": "payload_hash", "dedup_window_seconds": 60,
            ])
        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws/source/\(src)?token=\(server.adminKey)")
        defer { Task { await ws.close() } }

        try await ws.send(["type": 42])
        let refused = try await ws.next()
        #expect(refused["type"] == "error")
        #expect(refused["status"] == 422)
        #expect(refused["validation_errors"]?.arrayValue?.isEmpty == false)

        try await ws.send(["type": "ok"])
        let ack = try await ws.next()
        #expect(ack["type"] == "ack")
        try await ws.send(["type": "ok"])
        let again = try await ws.next()
        #expect(again == ["type": "ack", "event_id": ack["event_id"] ?? .null, "duplicate": true])
        #expect(try await server.client.get("/v1/events?source_id=\(src)").json["pagination"]?["total"] == 2)
    }

    @Test func connectionsAreRefusedForAnotherTenantsOrAnUnknownSource() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let mine = try await source(server.client)
        let other = try await server.newTenantKey()
        let cases: [(String, UInt16)] = [
            ("/v1/ws/source/\(mine)", 4401),
            ("/v1/ws/source/\(mine)?token=\(try #require(other.apiKey))", 4404),
            ("/v1/ws/source/src_00000000000000000000000000000000?token=\(server.adminKey)", 4404),
            ("/v1/ws/source/nope?token=\(server.adminKey)", 4404),
        ]
        for (path, code) in cases {
            let ws = try await TestWebSocket.connect(server.baseURL, path)
            #expect(try await ws.next()["type"] == "error", "\(path)")
            #expect(try await ws.closed().code == code, "\(path)")
        }
        #expect(try await server.client.get("/v1/events?source_id=\(mine)").json["pagination"]?["total"] == 0)
        #expect(try await server.client.get("/v1/ws/source/\(mine)").status == 426)
    }
}
