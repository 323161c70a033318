import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

@Suite struct APIConventionsTests {
    @Test func healthIsPublicAndEveryAnswerHasARequestID() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let health = try await server.anonymous.get("/v1/health")
        #expect(health.status == 200)
        #expect(health.json["status"] == "ok")
        #expect(health.header("X-Request-Id")?.hasPrefix("req_") == true)
    }

    @Test func unknownRoutesAndWrongMethodsGetTheStandardErrorBody() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let missing = try await server.client.get("/v1/nothing-here")
        #expect(missing.status == 404)
        #expect(missing.json["status"] == 404)
        #expect(missing.json["error"]?.stringValue?.isEmpty == false)
        #expect(missing.json["request_id"]?.stringValue == missing.header("X-Request-Id"))

        let wrongMethod = try await server.client.request("PUT", "/v1/sources")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.json["status"] == 405)
        #expect(wrongMethod.header("Allow") == "GET, POST")
    }

    /// The README promises a JSON 404 for an unknown route; asking for a key instead would send
    /// a caller with a typo in the URL after the wrong problem.
    @Test func unknownRoutesAre404WithOrWithoutCredentials() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let badKey = server.client.with(apiKey: "hs_live_" + String(repeating: "0", count: 64))
        for client in [server.anonymous, badKey, server.client] {
            for path in ["/v1/nothing-here", "/v1/sources/x/nothing", "/nothing"] {
                let response = try await client.get(path)
                #expect(response.status == 404, "\(path): \(response.status) \(response.text)")
                #expect(response.json["status"] == 404)
                #expect(response.json["request_id"]?.stringValue == response.header("X-Request-Id"))
            }
        }
        // A route that exists still asks for credentials first, whatever the method.
        #expect(try await server.anonymous.get("/v1/sources/src_1").status == 401)
        #expect(try await server.anonymous.request("PUT", "/v1/sources").status == 401)
    }

    /// A misspelled status filter must not look like "nothing has that status": an empty 200
    /// would hide the typo, so it is a 400 naming the values that exist.
    @Test func anUnknownStatusFilterIsA400NamingTheKnownStatuses() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        for (path, known) in [
            ("/v1/events", "received, held, processing, delivered, failed"), ("/v1/destinations", "active, paused"),
            ("/v1/sources", "active, paused"),
        ] {
            let response = try await server.client.get(path + "?status=bogus")
            #expect(response.status == 400, "\(path): \(response.status) \(response.text)")
            #expect(response.json["status"] == 400)
            #expect(response.json["error"] == .string("'status' must be one of: " + known))
            #expect(response.json["request_id"]?.stringValue == response.header("X-Request-Id"))
            #expect(try await server.client.get(path + "?status=paused").status == (path == "/v1/events" ? 400 : 200))
        }
    }

    @Test func managementEndpointsRequireCredentials() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let anonymous = try await server.anonymous.get("/v1/sources")
        #expect(anonymous.status == 401)
        #expect(anonymous.json["status"] == 401)
        let badKey = try await server.client.with(apiKey: "hs_live_" + String(repeating: "0", count: 64)).get("/v1/sources")
        #expect(badKey.status == 401)
        let malformed = try await server.client.with(apiKey: "nonsense").get("/v1/sources")
        #expect(malformed.status == 401)
    }

    @Test func rateLimitHeadersAndTooManyRequests() async throws {
        // Windows turn on the minute of the injected clock, which stays one second into one.
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_799_999_941))
        let server = try await TestServer.start { $0.apiRateLimit = 3; $0.publicRateLimit = 2; $0.clock = clock }
        defer { server.stop() }
        var statuses: [Int] = []
        for _ in 0..<4 {
            let response = try await server.client.get("/v1/sources")
            statuses.append(response.status)
            #expect(response.header("X-RateLimit-Limit") == "3")
            #expect(response.header("X-RateLimit-Reset").flatMap(Int.init) != nil)
        }
        #expect(statuses == [200, 200, 200, 429])
        let limited = try await server.client.get("/v1/sources")
        #expect(limited.json["status"] == 429)
        #expect(limited.header("X-RateLimit-Remaining") == "0")

        // Unauthenticated callers are limited per IP.
        let first = try await server.anonymous.get("/v1/health")
        _ = try await server.anonymous.get("/v1/health")
        let third = try await server.anonymous.get("/v1/health")
        #expect(first.status == 200)
        #expect(first.header("X-RateLimit-Limit") == "2")
        #expect(third.status == 429)
        // The next window, on the server's clock, starts afresh.
        clock.advance(by: .seconds(60))
        #expect(try await server.anonymous.get("/v1/health").status == 200)
        #expect(try await server.client.get("/v1/sources").status == 200)
    }

    /// Behind a trusted proxy every request comes from the proxy's address; the anonymous
    /// bucket must key on the client it forwarded, as the IP allow and deny lists do, or one
    /// busy caller would lock out everyone behind the same proxy.
    @Test func anonymousRateLimitKeysOnTheForwardedClient() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_799_999_941))
        let server = try await TestServer.start { $0.publicRateLimit = 2; $0.trustedProxies = ["127.0.0.1/32"]; $0.clock = clock }
        defer { server.stop() }
        func health(from client: String) async throws -> Int {
            try await server.anonymous.request("GET", "/v1/health", headers: [("X-Forwarded-For", client)]).status
        }
        #expect(try await health(from: "203.0.113.1") == 200)
        #expect(try await health(from: "203.0.113.1") == 200)
        #expect(try await health(from: "203.0.113.1") == 429)
        #expect(try await health(from: "203.0.113.2") == 200)
        #expect(try await health(from: "203.0.113.2") == 200)
        #expect(try await health(from: "203.0.113.2") == 429)
    }

    @Test func openAPIDocumentDescribesTheAPI() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.anonymous.get("/v1/openapi.json")
        #expect(response.status == 200)
        let document = response.json
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.1") == true)
        let paths = document["paths"]?.objectValue ?? [:]
        for path in ["/v1/sources", "/v1/sources/{id}", "/v1/sources/templates", "/v1/events", "/v1/events/{id}", "/v1/auth/api-keys", "/v1/health"] {
            #expect(paths[path] != nil, "missing \(path)")
        }
    }

    /// The published document and the router must agree both ways: a route nobody documented
    /// is invisible to API users and to the schemathesis run, and a documented operation
    /// without a route is a promise the server breaks.
    @Test func openAPIDocumentAndRouterAgree() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.anonymous.get("/v1/openapi.json")
        #expect(response.status == 200)
        let operationMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var documented: Set<String> = []
        for (path, item) in response.json["paths"]?.objectValue ?? [:] {
            for method in (item.objectValue ?? [:]).keys where operationMethods.contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let routed = Set(server.routes)
        #expect(routed.count > 30, "the router reported \(routed.count) routes")
        #expect(routed.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(routed).sorted() == [], "documented operations without a route")
    }

    @Test func metricsArePrometheusText() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await server.client.post("/v1/sources", ["name": "metrics"])
        let id = try #require(source.json["id"]?.stringValue)
        _ = try await server.anonymous.request("POST", "/v1/ingest/\(id)", json: ["a": 1])
        let metrics = try await server.anonymous.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("hookstream_http_requests_total{route=\"/v1/sources\",method=\"POST\",status=\"201\"} 1"))
        #expect(metrics.text.contains("hookstream_events_stored_total 1"))
        #expect(metrics.text.contains("hookstream_ingest_duration_seconds_bucket"))
    }
}
