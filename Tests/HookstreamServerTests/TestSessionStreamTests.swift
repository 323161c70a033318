import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `GET /v1/ws/test/:source_id`: a session's requests, live, to anyone holding its ID; any
/// other source only with a key of its organization.
@Suite struct TestSessionStreamTests {
    @Test func theFeedCarriesEachRequestOfItsSessionOnly() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let a = try await TestSessionsTests.create(server)
        let b = try await TestSessionsTests.create(server)
        let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(a.id)")
        defer { Task { await ws.close() } }
        let welcome = try await ws.next()
        #expect(welcome["type"] == "welcome")
        #expect(welcome["source_id"] == .string(a.id))

        let first = try await server.anonymous.request("POST", a.ingest + "?n=1", json: ["type": "order.created"])
        let event = try await ws.next()
        #expect(event["type"] == "event")
        #expect(event["channel"] == .string("events:\(a.id)"))
        #expect(event["data"]?["id"] == first.json["event_id"])
        #expect(event["data"]?["body"]?["type"] == "order.created")
        #expect(event["data"]?["query"]?["n"] == "1")

        // Another session's request never shows up here: the next message is a's own.
        _ = try await server.anonymous.request("POST", b.ingest, json: ["type": "other"])
        let second = try await server.anonymous.request("POST", a.ingest, json: ["type": "order.updated"])
        let next = try await ws.next()
        #expect(next["data"]?["id"] == second.json["event_id"])

        try await ws.send(["type": "ping"])
        #expect(try await ws.next(where: { $0["type"] == "pong" })["type"] == "pong")
    }

    @Test func unknownAndExpiredSessionsAreRefusedAndOrdinarySourcesNeedTheirKey() async throws {
        let clock = ManualClock(start: Date())
        let server = try await TestSessionsTests.start(clock) { $0.testSessionTTLSeconds = 60 }
        defer { server.stop() }
        let unknown = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/src_0123456789abcdef0123456789abcdef")
        #expect(try await unknown.closed().code == 4404)

        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        let anonymous = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(source)")
        #expect(try await anonymous.closed().code == 4404)
        let stranger = try await server.newTenantKey()
        let foreign = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(source)?token=\(stranger.apiKey!)")
        #expect(try await foreign.closed().code == 4404)
        let owner = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(source)?token=\(server.adminKey)")
        defer { Task { await owner.close() } }
        #expect(try await owner.next()["type"] == "welcome")
        let sent = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: ["n": 1])
        #expect(try await owner.next()["data"]?["id"] == sent.json["event_id"])

        let session = try await TestSessionsTests.create(server)
        clock.advance(by: .seconds(61))
        let expired = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(session.id)")
        #expect(try await expired.closed().code == 4410)
    }

    /// Claiming (or deleting) the session ends its open feeds with a reason rather than leaving
    /// them silent: an `error` message, then close code 4410; `listen` prints it and exits.
    @Test func claimingOrDeletingTheSessionClosesItsFeedsWithAReason() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (claimed, deleted, other) = (
            try await TestSessionsTests.create(server), try await TestSessionsTests.create(server), try await TestSessionsTests.create(server)
        )
        let feeds = [
            try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(claimed.id)"),
            try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(claimed.id)"),
        ]
        let deletedFeed = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(deleted.id)")
        let otherFeed = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(other.id)")
        defer { Task { await otherFeed.close() } }
        for ws in feeds + [deletedFeed, otherFeed] { #expect(try await ws.next()["type"] == "welcome") }
        let sent = try await server.anonymous.request("POST", claimed.ingest, json: ["n": 1])
        for ws in feeds { #expect(try await ws.next()["data"]?["id"] == sent.json["event_id"]) }

        let owner = try await server.newTenantKey()
        #expect(try await owner.request("POST", claimed.path + "/claim").status == 200)
        for ws in feeds {
            let last = try await ws.next()
            #expect(last["type"] == "error")
            #expect(last["status"] == 410)
            #expect(last["error"]?.stringValue?.contains("claimed") == true)
            #expect(last["error"]?.stringValue?.contains("--source \(claimed.id)") == true)
            let closed = try await ws.closed()
            #expect(closed.code == 4410)
            #expect(closed.reason?.contains("claimed") == true)
        }
        #expect(try await server.anonymous.delete(deleted.path).status == 200)
        #expect(try await deletedFeed.next()["error"] == "This test session was deleted")
        #expect(try await deletedFeed.closed().code == 4410)

        // Another session's feed is untouched and still carries its requests.
        let mine = try await server.anonymous.request("POST", other.ingest, json: ["n": 2])
        #expect(try await otherFeed.next()["data"]?["id"] == mine.json["event_id"])
        // The claimed source is followed with its new organization's key.
        let resumed = try await TestWebSocket.connect(server.baseURL, "/v1/ws/test/\(claimed.id)?token=\(try #require(owner.apiKey))")
        defer { Task { await resumed.close() } }
        #expect(try await resumed.next()["type"] == "welcome")
        let after = try await server.anonymous.request("POST", claimed.ingest, json: ["n": 3])
        #expect(try await resumed.next()["data"]?["id"] == after.json["event_id"])
    }
}
