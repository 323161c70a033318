import Foundation
import HookstreamTesting
import Testing

/// `Expect: 100-continue` over a raw socket, so the test sees the protocol exchange itself:
/// the client sends only the head and waits, as curl and provider HTTP libraries do.
@Suite struct ExpectContinueTests {
    @Test func continueIsAnsweredBeforeTheBodyIsSent() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await server.client.post("/v1/sources", ["name": "expect"])
        let id = try #require(source.json["id"]?.stringValue)
        let body = Array(#"{"a":1}"#.utf8)
        let connection = try await RawHTTPConnection.open(port: server.port)
        defer { connection.close() }
        try await connection.send(head("POST", "/v1/ingest/\(id)", contentLength: body.count))
        // Nothing but the head has been sent: the interim answer must come first.
        let interim = try await connection.receive(until: "\r\n\r\n")
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), "\(interim)")
        try await connection.send(body)
        let final = try await connection.receive(until: "}")
        #expect(final.hasPrefix("HTTP/1.1 200"), "\(final)")
        #expect(final.contains("evt_"))
    }

    @Test func anOversizeBodyIsRefusedBeforeItIsSent() async throws {
        let server = try await TestServer.start { $0.maxBodyBytes = 1000; $0.maxAPIBodyBytes = 500 }
        defer { server.stop() }
        let source = try await server.client.post("/v1/sources", ["name": "expect"])
        let id = try #require(source.json["id"]?.stringValue)
        for (path, length, limit) in [("/v1/ingest/\(id)", 1001, 1000), ("/v1/sources", 501, 500)] {
            let connection = try await RawHTTPConnection.open(port: server.port)
            defer { connection.close() }
            try await connection.send(head("POST", path, contentLength: length, apiKey: server.adminKey))
            let answer = try await connection.receive(until: "}")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(path): \(answer)")
            #expect(!answer.contains("100 Continue"))
            #expect(answer.contains(#""error":"Request body exceeds \#(limit) bytes","status":413,"request_id":"req_"#), "\(answer)")
        }
        // Within the limit the same request is let through.
        let connection = try await RawHTTPConnection.open(port: server.port)
        defer { connection.close() }
        try await connection.send(head("POST", "/v1/ingest/\(id)", contentLength: 1000))
        #expect(try await connection.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 100 Continue"))
    }

    private func head(_ method: String, _ path: String, contentLength: Int, apiKey: String? = nil) -> [UInt8] {
        var lines = [
            "\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: \(contentLength)",
            "Expect: 100-continue",
        ]
        if let apiKey { lines.append("X-API-Key: \(apiKey)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}
