import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// Live sync on the real-time hub: each record a webhook creates or replaces arrives on its
/// collection's `collections:<id>` channel as a `sync` message, in commit order, and a stale
/// event (skipped by last-write-wins) sends nothing.
@Suite struct CollectionSyncRealtimeTests {
    @Test func upsertsArriveOnTheCollectionsChannel() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let created = try await server.client.post(
            "/v1/collections", ["name": "Customers", "source_id": .string(source), "primary_key_path": "data.id", "timestamp_path": "created"])
        let collection = try #require(created.json["collection"]?["id"]?.stringValue, "\(created.text)")
        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws?token=\(server.adminKey)")
        defer { Task { await ws.close() } }
        _ = try await ws.next()  // welcome
        try await ws.send(["type": "unsubscribe", "channel": "events"])
        _ = try await ws.next()
        try await ws.send(["type": "subscribe", "channel": .string("collections:\(collection)")])
        #expect(try await ws.next() == ["type": "subscribed", "channel": .string("collections:\(collection)")])

        for (n, body) in [
            ["created": 100, "data": ["id": "cus_1", "email": "a@example.com"]],
            ["created": 200, "data": ["id": "cus_1", "email": "b@example.com"]],
            ["created": 150, "data": ["id": "cus_1", "email": "stale@example.com"]],  // older: skipped, not sent
            ["created": 300, "data": ["id": "cus_2", "email": "c@example.com"]],
        ].enumerated() as EnumeratedSequence<[JSON]> {
            let response = try await server.anonymous.post("/v1/ingest/\(source)", body)
            #expect(response.status == 200, "\(n): \(response.text)")
        }
        var messages: [JSON] = []
        for _ in 0..<3 { messages.append(try await ws.next()) }
        #expect(messages.allSatisfy { $0["type"] == "sync" && $0["channel"] == .string("collections:\(collection)") })
        #expect(messages.map { $0["data"]?["action"] } == ["created", "updated", "created"])
        #expect(messages.map { $0["data"]?["primary_key"] } == ["cus_1", "cus_1", "cus_2"])
        #expect(messages[1]["data"]?["data"]?["data"]?["email"] == "b@example.com")
        let record = try await server.client.get("/v1/collections/\(collection)/records/cus_1").json
        let stored = record["record"] ?? record
        #expect(stored["data"] == messages[1]["data"]?["data"], "\(record)")
        #expect(stored["event_id"] == messages[1]["data"]?["event_id"])
    }
}
