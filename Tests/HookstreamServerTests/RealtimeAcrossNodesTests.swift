import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Two nodes on one PostgreSQL database, a WebSocket client on one, everything happening on the
/// other: the client sees it all — events, delivery attempts, issues opened and resolved,
/// collection syncs, a `websocket` destination's deliveries, and a test session's feed ending.
@Suite struct RealtimeAcrossNodesTests {
    @Test func aClientOfOneNodeSeesWhatHappensOnAnother() async throws {
        let uri = try await TestPostgres.createDatabase("realtime")
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "cd", count: 32)
        let a = try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey)
        defer { a.kill() }
        let b = try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey)
        defer { b.kill() }
        let onA = TestHTTPClient(baseURL: a.baseURL, apiKey: key)
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(500))

        func created(_ path: String, _ body: JSON) async throws -> String {
            let response = try await onA.post(path, body)
            #expect(response.status == 201, "\(path): \(response.text)")
            return try #require((response.json["id"] ?? response.json["collection"]?["id"])?.stringValue, "\(path): \(response.text)")
        }
        let source = try await created("/v1/sources", ["name": "Shop"])
        let failing = try await created("/v1/destinations", ["name": "Down", "url": .string(receiver.url), "retry_max_attempts": 1])
        let live = try await created("/v1/destinations", ["name": "Live", "type": "websocket", "channel_name": "live"])
        for destination in [failing, live] {
            _ = try await created("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        }
        let collection = try await created("/v1/collections", ["name": "Customers", "source_id": .string(source), "primary_key_path": "data.id"])

        let ws = try await TestWebSocket.connect(b.baseURL, "/v1/ws?token=\(key)")
        defer { Task { await ws.close() } }
        #expect(try await ws.next()["type"] == "welcome")
        for channel in ["collections:\(collection)", "deliveries:\(live)"] {
            try await ws.send(["type": "subscribe", "channel": .string(channel)])
            #expect(try await ws.next()["type"] == "subscribed")
        }

        let accepted = try await TestHTTPClient(baseURL: a.baseURL).post("/v1/ingest/\(source)", ["data": ["id": "cus_1", "plan": "pro"]])
        let event = try #require(accepted.json["event_id"]?.stringValue, "\(accepted.text)")
        var seen: [String: JSON] = [:]
        let wanted = ["event", "failed delivery", "issue", "sync", "websocket delivery"]
        while !Set(wanted).isSubset(of: seen.keys) {
            let message = try await ws.next(timeout: .seconds(60))
            let (type, channel, data) = (message["type"]?.stringValue, message["channel"]?.stringValue, message["data"] ?? .null)
            switch (type, channel) {
            case ("event", "events"): seen["event"] = data
            case ("delivery", "deliveries") where data["destination_id"]?.stringValue == failing && data["status"] == "failed": seen["failed delivery"] = data
            case ("issue", "issues"): seen["issue"] = data
            case ("sync", "collections:\(collection)"): seen["sync"] = data
            case ("delivery", "deliveries:\(live)"): seen["websocket delivery"] = data
            default: break
            }
        }
        #expect(seen["event"]?["id"]?.stringValue == event)
        #expect(seen["event"]?["body"]?["data"]?["plan"] == "pro")
        #expect(seen["failed delivery"]?["event_id"]?.stringValue == event)
        #expect(seen["sync"]?["primary_key"] == "cus_1")
        #expect(seen["sync"]?["action"] == "created")
        #expect(seen["websocket delivery"]?["event_id"]?.stringValue == event)
        #expect(seen["websocket delivery"]?["body"]?["data"]?["id"] == "cus_1")
        #expect(seen["websocket delivery"]?["channel_name"] == "live")

        // An issue resolved through node A reaches the client of node B.
        let issue = try #require(seen["issue"]?["id"]?.stringValue)
        #expect(try await onA.patch("/v1/issues/\(issue)", ["status": "resolved"]).status == 200)
        let resolved = try await ws.next(timeout: .seconds(60)) { $0["type"] == "issue" && $0["data"]?["status"] == "resolved" }
        #expect(resolved["data"]?["id"]?.stringValue == issue)

        // A test session's feed on B carries what A receives, and ends when A deletes it.
        let session = try #require(try await TestHTTPClient(baseURL: a.baseURL).request("POST", "/v1/test/sessions").json["session_id"]?.stringValue)
        let feed = try await TestWebSocket.connect(b.baseURL, "/v1/ws/test/\(session)")
        #expect(try await feed.next()["type"] == "welcome")
        let request = try await TestHTTPClient(baseURL: a.baseURL).post("/v1/ingest/\(session)", ["n": 1])
        #expect(try await feed.next(timeout: .seconds(60))["data"]?["id"] == request.json["event_id"])
        #expect(try await TestHTTPClient(baseURL: a.baseURL).delete("/v1/test/sessions/\(session)").status == 200)
        #expect(try await feed.next(timeout: .seconds(60))["error"] == "This test session was deleted")
        #expect(try await feed.closed().code == 4410)
    }
}
