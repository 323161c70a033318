import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Publish with an API key is answered on the fast path, beside ingest; with a session it goes
/// through the router. Both must look the same from outside: statuses, error bodies, the
/// per-organization rate limit they share, and the metrics.
@Suite struct PublishFastPathTests {
    @Test func fastPathAndRouterAnswerPublishTheSameWay() async throws {
        let server = try await TestServer.start { $0.maxBodyBytes = 200; $0.apiRateLimit = 1000 }
        defer { server.stop() }
        let api = server.client
        #expect(try await api.post("/v1/topics", ["name": "Orders", "slug": "orders"]).status == 201)

        let published = try await api.post("/v1/topics/orders/publish?ignored=1", ["n": 1])
        #expect(published.status == 200, "\(published.text)")
        #expect(published.json["topic"] == "orders")
        #expect(published.header("X-Request-Id")?.hasPrefix("req_") == true)
        #expect(published.header("X-RateLimit-Limit") == "1000")
        let eventID = try #require(published.json["event_id"]?.stringValue)
        let event = try await api.get("/v1/events/\(eventID)").json
        #expect(event["body"] == ["n": 1])
        #expect(event["headers"]?["x-api-key"] == nil)

        let badKey = try await server.anonymous.with(apiKey: "hs_live_" + String(repeating: "0", count: 64)).post("/v1/topics/orders/publish", ["n": 2])
        #expect(badKey.status == 401)
        #expect(badKey.json["error"] == "Invalid API key")
        #expect(badKey.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        let notJSON = try await api.request("POST", "/v1/topics/orders/publish", body: Array("not json".utf8))
        #expect(notJSON.status == 400)
        #expect(notJSON.json["error"] == "The published body must be JSON")
        #expect(try await api.request("POST", "/v1/topics/orders/publish", body: [UInt8](repeating: 0x20, count: 201)).status == 413)
        #expect(try await api.post("/v1/topics/nowhere/publish", ["n": 3]).status == 404)

        // A dashboard session publishes through the router, with the same answer.
        let (session, _) = try await server.signUp()
        #expect(try await session.post("/v1/topics", ["name": "Orders", "slug": "orders"]).status == 201)
        let viaRouter = try await session.post("/v1/topics/orders/publish", ["n": 4])
        #expect(viaRouter.status == 200, "\(viaRouter.text)")
        #expect(viaRouter.json["topic"] == "orders")
        #expect(try await session.post("/v1/topics/nowhere/publish", ["n": 5]).status == 404)

        let metrics = try await server.anonymous.get("/metrics").text
        #expect(metrics.contains(#"hookstream_http_requests_total{route="/v1/topics/{id}/publish",method="POST",status="200"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"hookstream_http_requests_total{route="/v1/topics/{id}/publish",method="POST",status="404"} 2"#))
    }

    @Test func publishSharesTheOrganizationsRateLimitWithTheRestOfTheAPI() async throws {
        // The injected clock stays one second into a minute: the requests share one window.
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_799_999_941))
        let server = try await TestServer.start { $0.apiRateLimit = 3; $0.clock = clock }
        defer { server.stop() }
        let api = server.client
        #expect(try await api.post("/v1/topics", ["name": "Orders", "slug": "orders"]).status == 201)
        #expect(try await api.post("/v1/topics/orders/publish", ["n": 1]).status == 200)
        #expect(try await api.get("/v1/topics").status == 200)
        let refused = try await api.post("/v1/topics/orders/publish", ["n": 2])
        #expect(refused.status == 429)
        #expect(refused.header("Retry-After") != nil)
        #expect(refused.json["status"] == 429)
    }
}
