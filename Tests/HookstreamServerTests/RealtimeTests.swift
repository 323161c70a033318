import Foundation
import HTTPTypes
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `GET /v1/ws` end to end: a real WebSocket client against the server on loopback — the
/// welcome, subscriptions and their acknowledgements, what each channel carries, tenant
/// isolation, refused connections, and bad messages that leave the connection up.
@Suite struct RealtimeTests {
    func source(_ client: TestHTTPClient, _ name: String = "Shop") async throws -> String {
        try #require(try await client.post("/v1/sources", ["name": .string(name)]).json["id"]?.stringValue)
    }

    func ingest(_ server: TestServer, _ source: String, _ body: JSON) async throws -> String {
        let response = try await server.anonymous.post("/v1/ingest/\(source)", body)
        return try #require(response.json["event_id"]?.stringValue, "\(response.text)")
    }

    func connect(_ server: TestServer, key: String? = nil) async throws -> TestWebSocket {
        try await TestWebSocket.connect(server.baseURL, "/v1/ws?token=\(key ?? server.adminKey)")
    }

    @Test func welcomesWithTheOrganizationAndStreamsEventsAsTheAPIShowsThem() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let me = try await server.client.get("/v1/auth/me").json
        let ws = try await connect(server)
        defer { Task { await ws.close() } }

        let welcome = try await ws.next()
        #expect(welcome["type"] == "welcome")
        #expect(welcome["org_id"] == me["organization"]?["id"])
        #expect(welcome["environment_id"] == me["environment"]?["id"])
        #expect(welcome["channels"] == ["events", "deliveries", "issues"])
        #expect(welcome["heartbeat_seconds"] == 30)

        let src = try await source(server.client)
        let eventID = try await ingest(server, src, ["type": "order.created", "data": ["id": "o1"]])
        let message = try await ws.next()
        #expect(message["type"] == "event")
        #expect(message["channel"] == "events")
        let rest = try await server.client.get("/v1/events/\(eventID)").json
        for field in ["id", "source_id", "source_name", "method", "headers", "query", "body", "body_encoding", "content_type", "body_size", "status", "received_at"] {
            #expect(message["data"]?[field] == rest[field], "\(field)")
        }
        #expect(message["data"]?["delivery_attempts"] == [])
    }

    /// Each subscribe and unsubscribe is acknowledged, and a channel carries exactly its own
    /// traffic: checked by order (the hub publishes in commit order), never by waiting for
    /// silence.
    @Test func channelsCarryOnlyTheirOwnTraffic() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (shop, billing) = (try await source(server.client, "Shop"), try await source(server.client, "Billing"))
        let ws = try await connect(server)
        defer { Task { await ws.close() } }
        _ = try await ws.next()

        try await ws.send(["type": "subscribe", "channel": .string("events:\(shop)")])
        #expect(try await ws.next() == ["type": "subscribed", "channel": .string("events:\(shop)")])
        try await ws.send(["type": "unsubscribe", "channel": "events"])
        #expect(try await ws.next() == ["type": "unsubscribed", "channel": "events"])

        let first = try await ingest(server, shop, ["n": 1])
        _ = try await ingest(server, billing, ["n": 2])
        let third = try await ingest(server, shop, ["n": 3])
        var seen: [JSON] = []
        for _ in 0..<2 { seen.append(try await ws.next()) }
        #expect(seen.map { $0["channel"] } == [.string("events:\(shop)"), .string("events:\(shop)")])
        #expect(seen.map { $0["data"]?["id"] } == [.string(first), .string(third)])

        // Following both the org-wide and the per-source channel gets both messages.
        try await ws.send(["type": "subscribe", "channel": "events"])
        #expect(try await ws.next()["type"] == "subscribed")
        let fourth = try await ingest(server, shop, ["n": 4])
        let both = [try await ws.next(), try await ws.next()]
        #expect(Set(both.compactMap { $0["channel"]?.stringValue }) == ["events", "events:\(shop)"])
        #expect(both.allSatisfy { $0["data"]?["id"] == .string(fourth) })
    }

    @Test func deliveriesAndIssuesArePublishedAfterTheyAreRecorded() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let src = try await source(server.client)
        let good = try #require(try await server.client.post("/v1/destinations", ["name": "Good", "url": .string(receiver.url + "/ok")]).json["id"]?.stringValue)
        let bad = try #require(
            try await server.client.post("/v1/destinations", ["name": "Bad", "url": "http://127.0.0.1:1/down", "retry_max_attempts": 1]).json["id"]?.stringValue)
        for destination in [good, bad] {
            let made = try await server.client.post("/v1/connections", ["source_id": .string(src), "destination_id": .string(destination)])
            #expect(made.status == 201, "\(made.text)")
        }
        let ws = try await connect(server)
        defer { Task { await ws.close() } }
        _ = try await ws.next()
        try await ws.send(["type": "subscribe", "channel": .string("deliveries:\(good)")])
        #expect(try await ws.next()["type"] == "subscribed")

        let eventID = try await ingest(server, src, ["hello": "world"])
        var byChannel: [String: [JSON]] = [:]
        while byChannel["deliveries", default: []].count < 2 || byChannel["issues"] == nil || byChannel["deliveries:\(good)"] == nil {
            let message = try await ws.next()
            byChannel[message["channel"]?.stringValue ?? "?", default: []].append(message)
        }
        let delivered = try #require(byChannel["deliveries", default: []].first { $0["data"]?["destination_id"] == .string(good) })
        #expect(delivered["type"] == "delivery")
        #expect(delivered["data"]?["status"] == "success")
        #expect(delivered["data"]?["event_id"] == .string(eventID))
        #expect(delivered["data"]?["destination_name"] == "Good")
        #expect(byChannel["deliveries:\(good)"]?.first?["data"]?["id"] == delivered["data"]?["id"])

        let failed = try #require(byChannel["deliveries", default: []].first { $0["data"]?["destination_id"] == .string(bad) })
        #expect(failed["data"]?["status"] == "failed")
        let issue = try #require(byChannel["issues"]?.first)
        #expect(issue["type"] == "issue")
        #expect(issue["data"]?["destination_id"] == .string(bad))
        #expect(issue["data"]?["error_type"] == "connection_error")
        #expect(failed["data"]?["issue_id"] == issue["data"]?["id"])

        // An issue changed through the API is published too.
        let issueID = try #require(issue["data"]?["id"]?.stringValue)
        #expect(try await server.client.patch("/v1/issues/\(issueID)", ["status": "acknowledged"]).status == 200)
        let changed = try await ws.next { $0["channel"] == "issues" }
        #expect(changed["data"]?["id"] == .string(issueID))
        #expect(changed["data"]?["status"] == "acknowledged")
    }

    /// The auto-resolve job's resolutions reach live clients like the API's changes do, each
    /// as `GET /v1/issues/:id` then shows it; another tenant's client sees none of it.
    @Test func anAutoResolvedIssueIsPublishedOnIssues() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.issueAutoResolveSeconds = 60
            $0.clock = clock
        }
        defer { server.stop() }
        let src = try await source(server.client)
        let bad = try #require(
            try await server.client.post("/v1/destinations", ["name": "Bad", "url": "http://127.0.0.1:1/down", "retry_max_attempts": 1]).json["id"]?.stringValue)
        #expect(try await server.client.post("/v1/connections", ["source_id": .string(src), "destination_id": .string(bad)]).status == 201)
        let ws = try await connect(server)
        defer { Task { await ws.close() } }
        _ = try await ws.next()
        let other = try await server.newTenantKey()
        let foreign = try await connect(server, key: other.apiKey)
        defer { Task { await foreign.close() } }
        _ = try await foreign.next()

        _ = try await ingest(server, src, ["n": 1])
        let opened = try await ws.next { $0["channel"] == "issues" }
        #expect(opened["data"]?["status"] == "open")
        let issueID = try #require(opened["data"]?["id"]?.stringValue)

        clock.advance(by: .seconds(61))
        let resolved = try await ws.next { $0["channel"] == "issues" }
        #expect(resolved["type"] == "issue")
        #expect(resolved["data"]?["id"] == .string(issueID))
        #expect(resolved["data"]?["status"] == "resolved")
        #expect(resolved["data"]?["timeline"]?.arrayValue?.map { $0["type"] } == ["opened", "auto_resolved"])
        let rest = try await server.client.get("/v1/issues/\(issueID)").json
        for field in ["id", "status", "resolved_at", "updated_at", "timeline", "occurrence_count"] {
            #expect(resolved["data"]?[field] == rest[field], "\(field)")
        }
        // The other organization's client got nothing on `issues`.
        #expect(foreign.drain().allSatisfy { $0["channel"] != "issues" })
    }

    @Test func aClientOnlyEverSeesItsOwnTenant() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let other = try await server.newTenantKey()
        let (mine, theirs) = (try await source(server.client), try await source(other))
        let ws = try await connect(server, key: other.apiKey)
        defer { Task { await ws.close() } }
        _ = try await ws.next()

        // Another tenant's source is as unknown as a made-up one.
        for channel in ["events:\(mine)", "events:src_00000000000000000000000000000000"] {
            try await ws.send(["type": "subscribe", "channel": .string(channel)])
            let refused = try await ws.next()
            #expect(refused["type"] == "error")
            #expect(refused["status"] == 404)
            #expect(refused["channel"] == .string(channel))
        }
        _ = try await ingest(server, mine, ["secret": "acme"])
        let own = try await ingest(server, theirs, ["n": 1])
        let next = try await ws.next()
        #expect(next["data"]?["id"] == .string(own))
    }

    @Test func refusedConnectionsAreClosedWithTheStatusAsCloseCode() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        for path in ["/v1/ws", "/v1/ws?token=hs_live_nope", "/v1/ws?token=hs_live_" + String(repeating: "0", count: 64)] {
            let ws = try await TestWebSocket.connect(server.baseURL, path)
            let error = try await ws.next(where: { _ in true })
            #expect(error["type"] == "error")
            #expect(error["status"] == 401)
            #expect(try await ws.closed().code == 4401, "\(path)")
        }
        // A browser's session cookie is enough.
        let (session, account) = try await server.signUp()
        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws", headers: [.cookie: try #require(session.cookie)])
        let welcome = try await ws.next(where: { _ in true })
        #expect(welcome["org_id"] == account.json["organization"]?["id"])
        await ws.close()

        // A plain GET is told to upgrade (after authentication, like every management path).
        #expect(try await server.anonymous.get("/v1/ws").status == 401)
        let plain = try await server.client.get("/v1/ws")
        #expect(plain.status == 426)
        #expect(plain.json["error"]?.stringValue?.contains("WebSocket") == true)
    }

    @Test func badMessagesAreAnsweredAndTheConnectionStaysUp() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let ws = try await connect(server)
        defer { Task { await ws.close() } }
        _ = try await ws.next()
        for text in ["not json", #"{"type":"dance"}"#, #"{"type":"subscribe"}"#, #"{"type":"subscribe","channel":"live-orders"}"#] {
            try await ws.sendText(text)
            let answer = try await ws.next()
            #expect(answer["type"] == "error", "\(text)")
            #expect(answer["status"] == 400, "\(text)")
        }
        try await ws.send(["type": "ping"])
        #expect(try await ws.next() == ["type": "pong"])
        try await ws.send(["type": "subscribe", "channel": "issues"])
        #expect(try await ws.next() == ["type": "subscribed", "channel": "issues"])
    }

    @Test func subscriptionsAreBounded() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        // The three default channels count towards the 100.
        let ids = try await (0..<97).asyncMap { _ in try await source(server.client) }
        let ws = try await connect(server)
        defer { Task { await ws.close() } }
        _ = try await ws.next()
        for id in ids {
            try await ws.send(["type": "subscribe", "channel": .string("events:\(id)")])
            #expect(try await ws.next()["type"] == "subscribed")
        }
        let extra = try await source(server.client)
        try await ws.send(["type": "subscribe", "channel": .string("events:\(extra)")])
        let refused = try await ws.next()
        #expect(refused["type"] == "error")
        #expect(refused["error"]?.stringValue?.contains("at most 100") == true)
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
