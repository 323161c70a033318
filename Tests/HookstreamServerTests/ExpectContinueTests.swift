import Foundation
import HookstreamTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Expect: 100-continue` over a raw socket, so the test sees the protocol exchange itself:
/// the client sends only the head and waits, as curl and provider HTTP libraries do.
@Suite struct ExpectContinueTests {
    @Test func continueIsAnsweredBeforeTheBodyIsSent() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await server.client.post("/v1/sources", ["name": "expect"])
        let id = try #require(source.json["id"]?.stringValue)
        let body = Array(#"{"a":1}"#.utf8)
        let connection = try await RawConnection.open(port: server.port)
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
            let connection = try await RawConnection.open(port: server.port)
            defer { connection.close() }
            try await connection.send(head("POST", path, contentLength: length, apiKey: server.adminKey))
            let answer = try await connection.receive(until: "}")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(path): \(answer)")
            #expect(!answer.contains("100 Continue"))
            #expect(answer.contains(#""error":"Request body exceeds \#(limit) bytes","status":413,"request_id":"req_"#), "\(answer)")
        }
        // Within the limit the same request is let through.
        let connection = try await RawConnection.open(port: server.port)
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

/// A loopback TCP connection with a receive deadline (generous: the condition is awaited, not
/// timed). Its blocking socket calls run on a dispatch queue, never on the cooperative pool: a
/// test blocked in `recv` there would starve the server it is talking to.
private final class RawConnection: Sendable {
    private let fd: Int32

    static func open(port: Int) async throws -> RawConnection {
        try await offPool { try RawConnection(port: port) }
    }

    func send(_ bytes: [UInt8]) async throws {
        try await Self.offPool { try self.sendBlocking(bytes) }
    }

    func receive(until marker: String) async throws -> String {
        try await Self.offPool { try self.receiveBlocking(until: marker) }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result(catching: work)) }
        }
    }

    private init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestServerError("connect() failed: \(errno)") }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestServerError("send() failed: \(errno)") }
            offset += sent
        }
    }

    /// Reads until the text received so far contains `marker` (or the peer closes).
    private func receiveBlocking(until marker: String) throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw TestServerError("no answer within the deadline; got: \(String(decoding: received, as: UTF8.self))") }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}
