import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// The ingest fast path on the wire: answers in request order when ingest and API requests are
/// pipelined on one connection, keep-alive, chunked bodies, `HEAD`, `Connection: close`, and
/// the same headers, metrics and rate limit as the router gives.
@Suite struct IngestFastPathTests {
    static func request(_ method: String, _ path: String, body: String = "", headers: [String] = []) -> [UInt8] {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"] + headers
        if !body.isEmpty || method == "POST" { lines.append("Content-Length: \(body.utf8.count)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    /// The answers in `text`, each as its status line and body.
    static func answers(_ text: String) -> [(status: String, body: String)] {
        var out: [(String, String)] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let head = rest[..<headEnd.lowerBound]
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let bodyStart = headEnd.upperBound
            guard rest.distance(from: bodyStart, to: rest.endIndex) >= length else { break }
            let bodyEnd = rest.index(bodyStart, offsetBy: length)
            out.append((String(head.split(separator: "\r\n")[0]), String(rest[bodyStart..<bodyEnd])))
            rest = rest[bodyEnd...]
        }
        return out
    }

    @Test func pipelinedIngestAndAPIRequestsAreAnsweredInOrder() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try #require(try await server.client.post("/v1/sources", ["name": "fast"]).json["id"]?.stringValue)
        let connection = try await RawHTTPConnection.open(port: server.port)
        defer { connection.close() }
        // Six requests in one write: ingest, an API read, ingest, an unknown source, the API
        // again with a key, and a last ingest.
        let key = "X-API-Key: \(server.adminKey)"
        try await connection.send(
            Self.request("POST", "/v1/ingest/\(source)", body: #"{"n":1}"#) + Self.request("GET", "/v1/health")
                + Self.request("POST", "/v1/ingest/\(source)?x=1", body: #"{"n":2}"#)
                + Self.request("POST", "/v1/ingest/src_0123456789abcdef0123456789abcdef", body: "{}")
                + Self.request("GET", "/v1/sources/\(source)", headers: [key]) + Self.request("POST", "/v1/ingest/\(source)", body: #"{"n":3}"#))
        let text = try await connection.receive { Self.answers($0).count >= 6 }
        let answers = Self.answers(text)
        #expect(answers.map(\.status) == [
            "HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK",
        ])
        guard answers.count == 6 else { return }
        #expect(answers[0].body.contains("evt_") && answers[2].body.contains("evt_") && answers[5].body.contains("evt_"))
        #expect(answers[1].body.contains("\"status\""))
        #expect(answers[3].body.contains(#""error":"Source not found","status":404,"request_id":"req_"#))
        #expect(answers[4].body.contains(#""name":"fast""#))
        // Each answer names the event its own request stored.
        for (index, n) in [(0, 1.0), (2, 2.0), (5, 3.0)] {
            let eventID = try #require(try JSON(parsing: Array(answers[index].body.utf8))["event_id"]?.stringValue)
            #expect(try await server.client.get("/v1/events/\(eventID)").json["body"]?["n"]?.numberValue == n)
        }
    }

    @Test func chunkedBodiesHeadAndConnectionClose() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try #require(try await server.client.post("/v1/sources", ["name": "fast"]).json["id"]?.stringValue)
        let connection = try await RawHTTPConnection.open(port: server.port)
        defer { connection.close() }
        let chunked = "POST /v1/ingest/\(source) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\n{\"a\":\r\n3\r\n42}\r\n0\r\n\r\n"
        try await connection.send(Array(chunked.utf8))
        let first = try #require(Self.answers(try await connection.receive { Self.answers($0).count >= 1 }).first)
        #expect(first.status == "HTTP/1.1 200 OK")
        let eventID = try #require(try JSON(parsing: Array(first.body.utf8))["event_id"]?.stringValue)
        #expect(try await server.client.get("/v1/events/\(eventID)").json["body"]?["a"] == 42)

        // HEAD: the head of the answer, no body; then Connection: close ends the connection.
        try await connection.send(Self.request("HEAD", "/v1/ingest/\(source)") + Self.request("POST", "/v1/ingest/\(source)", body: "{}", headers: ["Connection: close"]))
        let rest = try await connection.receive { _ in false }  // until the server closes
        let heads = rest.components(separatedBy: "HTTP/1.1 ").dropFirst()
        #expect(heads.count == 2, "\(rest)")
        #expect(heads.first?.hasPrefix("200 OK") == true)
        #expect(heads.first?.lowercased().contains("x-request-id: req_") == true)
        #expect(heads.first?.hasSuffix("\r\n\r\n") == true, "HEAD answered with a body: \(rest)")
        #expect(heads.last?.lowercased().contains("connection: close") == true)
        #expect(try await server.client.get("/v1/events?source_id=\(source)").json["pagination"]?["total"] == 3)
    }

    @Test func answersCarryTheRouterHeadersAndAreCountedAndRateLimitedPerForwardedClient() async throws {
        // Rate-limit windows turn on the minute of the injected clock, which stays one second
        // into one: the four requests can never straddle a window.
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_799_999_941))
        let server = try await TestServer.start {
            $0.publicRateLimit = 3
            $0.trustedProxies = ["127.0.0.1/32"]
            $0.clock = clock
        }
        defer { server.stop() }
        let source = try #require(try await server.client.post("/v1/sources", ["name": "fast"]).json["id"]?.stringValue)
        var statuses: [Int] = []
        var last: TestResponse?
        for n in 0..<4 {
            let response = try await server.anonymous.request(
                "POST", "/v1/ingest/\(source)", json: ["n": .number(Double(n))], headers: [("X-Forwarded-For", "198.51.100.7")])
            statuses.append(response.status)
            #expect(response.header("X-Request-Id")?.hasPrefix("req_") == true)
            #expect(response.header("X-RateLimit-Limit") == "3")
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            last = response
        }
        #expect(statuses == [200, 200, 200, 429])
        #expect(last?.header("Retry-After") != nil)
        #expect(last?.json["status"] == 429)
        // Another forwarded client has its own bucket, on the fast path and through the router.
        let other = [("X-Forwarded-For", "198.51.100.8")]
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: [:], headers: other).status == 200)
        let metrics = try await server.anonymous.request("GET", "/metrics", headers: other).text
        #expect(metrics.contains(#"hookstream_http_requests_total{route="/v1/ingest/{source_id}",method="POST",status="200"} 4"#), "\(metrics)")
        #expect(metrics.contains(#"hookstream_http_requests_total{route="/v1/ingest/{source_id}",method="POST",status="429"} 1"#))
    }

    @Test func withTheFastPathOffTheRouterAnswersIngestTheSameWay() async throws {
        let server = try await TestServer.start { $0.ingestFastPath = false; $0.maxBodyBytes = 100 }
        defer { server.stop() }
        let source = try #require(try await server.client.post("/v1/sources", ["name": "routed"]).json["id"]?.stringValue)
        let stored = try await server.anonymous.request("POST", "/v1/ingest/\(source)?q=1", json: ["n": 1])
        #expect(stored.status == 200)
        let eventID = try #require(stored.json["event_id"]?.stringValue)
        let event = try await server.client.get("/v1/events/\(eventID)").json
        #expect(event["body"]?["n"] == 1)
        #expect(event["query"]?["q"] == "1")
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: [UInt8](repeating: 0x61, count: 101)).status == 413)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/src_0123456789abcdef0123456789abcdef", json: [:]).status == 404)
    }
}
