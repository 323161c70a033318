import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// The `websocket` destination type: settings, a delivery pushed to the clients following
/// `deliveries:<destination_id>`, and a delivery with nobody listening counting as delivered.
@Suite struct WebSocketDestinationTests {
    func websocketPipe(_ server: TestServer, channelName: String = "live-orders") async throws -> (source: String, destination: String) {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        let created = try await server.client.post(
            "/v1/destinations", ["name": "Live Dashboard", "type": "websocket", "config": ["channel_name": .string(channelName)]])
        #expect(created.status == 201, "\(created.text)")
        let destination = try #require(created.json["id"]?.stringValue)
        let connection = try await server.client.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        #expect(connection.status == 201, "\(connection.text)")
        return (source, destination)
    }

    @Test func settingsAreCheckedAndShown() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let created = try await server.client.post("/v1/destinations", ["name": "Live", "type": "websocket", "channel_name": "live-orders"])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["type"] == "websocket")
        #expect(created.json["config"]?["channel_name"] == "live-orders")
        #expect(created.json["channel_name"] == "live-orders")
        #expect(created.json["url"] == .null)

        let refusals: [(JSON, String)] = [
            (["name": "x", "type": "websocket"], "channel_name"),
            (["name": "x", "type": "websocket", "config": ["channel_name": ""]], "channel_name"),
            (["name": "x", "type": "websocket", "config": ["channel_name": "has spaces"]], "channel_name"),
            (["name": "x", "type": "websocket", "config": ["channel_name": 7]], "channel_name"),
            (["name": "x", "type": "websocket", "config": ["channel_name": "ok", "url": "https://example.com/"]], "url"),
            (["name": "x", "url": "https://example.com/", "channel_name": "ok"], "websocket destinations only"),
        ]
        for (body, mentioning) in refusals {
            let response = try await server.client.post("/v1/destinations", body)
            #expect(response.status == 400, "\(body)")
            #expect(response.json["error"]?.stringValue?.contains(mentioning) == true, "\(response.text)")
        }
        // An http destination becomes a websocket one (its URL goes), and the name can change.
        let http = try #require(try await server.client.post("/v1/destinations", ["name": "h", "url": "https://example.com/"]).json["id"]?.stringValue)
        let changed = try await server.client.patch("/v1/destinations/\(http)", ["type": "websocket", "config": ["channel_name": "moved"]])
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed.json["url"] == .null)
        #expect(changed.json["channel_name"] == "moved")
        #expect(try await server.client.get("/v1/destinations?type=websocket").json["destinations"]?.arrayValue?.count == 2)
    }

    @Test func aDeliveryIsPushedToTheDestinationsFollowers() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (source, destination) = try await websocketPipe(server)
        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws?token=\(server.adminKey)")
        defer { Task { await ws.close() } }
        _ = try await ws.next()
        try await ws.send(["type": "subscribe", "channel": .string("deliveries:\(destination)")])
        #expect(try await ws.next()["type"] == "subscribed")

        let first = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["order": ["id": "o1", "amount": 4999]]).json["event_id"]?.stringValue)
        let pushed = try await ws.next { $0["channel"] == .string("deliveries:\(destination)") }
        #expect(pushed["type"] == "delivery")
        #expect(pushed["data"]?["event_id"] == .string(first))
        #expect(pushed["data"]?["status"] == "delivered")
        #expect(pushed["data"]?["body"] == ["order": ["id": "o1", "amount": 4999]])
        #expect(pushed["data"]?["channel_name"] == "live-orders")
        #expect(pushed["data"]?["delivered_at"]?.stringValue?.hasSuffix("Z") == true)

        // The attempt is logged (on the org-wide channel too), with the audience it had.
        let attempt = try await ws.next { $0["channel"] == "deliveries" }
        #expect(attempt["data"]?["event_id"] == .string(first))
        #expect(attempt["data"]?["status"] == "success")
        let stored = try await server.client.eventually("/v1/events/\(first)") { $0["status"] == "delivered" }
        let response = try #require(stored["delivery_attempts"]?[0]?["id"]?.stringValue)
        let detail = try await server.client.get("/v1/delivery-attempts/\(response)").json
        #expect(try JSON(parsing: Array((detail["response_body"]?.stringValue ?? "").utf8))["subscribers"] == 1)

        // The destination's own channel carries its broadcasts, not the attempt log: the next
        // message there is the next broadcast.
        let second = try #require(try await server.anonymous.post("/v1/ingest/\(source)", "plain text").json["event_id"]?.stringValue)
        let next = try await ws.next { $0["channel"] == .string("deliveries:\(destination)") }
        #expect(next["data"]?["event_id"] == .string(second))
        #expect(next["data"]?["body"] == "plain text")
    }

    @Test func withNobodyListeningADeliveryStillCountsAsDelivered() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (source, _) = try await websocketPipe(server)
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["n": 1]).json["event_id"]?.stringValue)
        let stored = try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let attempts = stored["delivery_attempts"]?.arrayValue ?? []
        #expect(attempts.count == 1)
        #expect(attempts.first?["status"] == "success")
        let detail = try await server.client.get("/v1/delivery-attempts/\(try #require(attempts.first?["id"]?.stringValue))").json
        #expect(try JSON(parsing: Array((detail["response_body"]?.stringValue ?? "").utf8))["subscribers"] == 0)
        #expect(try await server.client.get("/v1/issues").json["issues"] == [])
    }
}
