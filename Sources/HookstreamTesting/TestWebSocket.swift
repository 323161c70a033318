import Foundation
public import HTTPTypes
import HummingbirdWSClient
public import JSONValue
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// A WebSocket client for tests (Hummingbird's client: masking, fragmentation, answering the
/// server's protocol pings), with the messages it receives kept in order to be awaited one by
/// one.
///
/// ```swift
/// let ws = try await TestWebSocket.connect(server.baseURL, "/v1/ws?token=\(key)")
/// let welcome = try await ws.next()
/// try await ws.send(["type": "subscribe", "channel": "issues"])
/// ```
public final class TestWebSocket: Sendable {
    /// How the connection ended: the server's close code and reason.
    public struct Closed: Sendable, Equatable {
        public var code: UInt16?
        public var reason: String?
    }

    private struct State {
        var received: [JSON] = []
        var outbound: WebSocketOutboundWriter?
        var closed: Closed?
        var failure: String?
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    private init() {}

    /// Connects to `path` (with its query) on `baseURL` (`http://127.0.0.1:port`) and waits for
    /// the upgrade.
    public static func connect(_ baseURL: String, _ path: String, headers: HTTPFields = [:]) async throws -> TestWebSocket {
        let socket = TestWebSocket()
        let url = baseURL.replacingOccurrences(of: "http://", with: "ws://") + path
        var configuration = WebSocketClientConfiguration(maxFrameSize: 16 << 20, additionalHeaders: headers)
        configuration.autoPing = .disabled
        let run = Task {
            do {
                let frame = try await WebSocketClient.connect(url: url, configuration: configuration, logger: Logger(label: "test-ws")) {
                    inbound, outbound, _ in
                    socket.state.withLock { $0.outbound = outbound }
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        guard case .text(let text) = message else { continue }
                        let json = (try? JSON(parsing: Array(text.utf8))) ?? .string(text)
                        socket.state.withLock { $0.received.append(json) }
                    }
                }
                socket.state.withLock { $0.closed = Closed(code: frame.map { Self.rawCode($0.closeCode) }, reason: frame?.reason) }
            } catch {
                socket.state.withLock {
                    $0.failure = "\(error)"
                    $0.closed = $0.closed ?? Closed(code: nil, reason: "\(error)")
                }
            }
        }
        socket.task.withLock { $0 = run }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let (open, closed, failure) = socket.state.withLock { ($0.outbound != nil, $0.closed, $0.failure) }
            if open { return socket }
            if let failure { throw TestServerError("WebSocket connect to \(path) failed: \(failure)") }
            if closed != nil { return socket }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestServerError("WebSocket connect to \(path) timed out")
    }

    static func rawCode(_ code: WebSocketErrorCode) -> UInt16 {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return buffer.readInteger(as: UInt16.self) ?? 0
    }

    public func send(_ message: JSON) async throws {
        try await sendText(String(decoding: message.serializedBytes(), as: UTF8.self))
    }

    public func sendText(_ text: String) async throws {
        guard let outbound = state.withLock({ $0.outbound }) else { throw TestServerError("not connected") }
        try await outbound.write(.text(text))
    }

    /// The next message (server pings skipped unless `includePings`); fails after `timeout`.
    public func next(timeout: Duration = .seconds(20), includePings: Bool = false) async throws -> JSON {
        try await next(timeout: timeout) { includePings || $0["type"]?.stringValue != "ping" }
    }

    /// The next message for which `matching` holds; earlier messages that do not match are
    /// consumed. Fails after `timeout`.
    public func next(timeout: Duration = .seconds(20), where matching: @Sendable (JSON) -> Bool) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, closed) = state.withLock { s -> (JSON?, Closed?) in
                while !s.received.isEmpty {
                    let first = s.received.removeFirst()
                    if matching(first) { return (first, nil) }
                }
                return (nil, s.closed)
            }
            if let message { return message }
            if let closed { throw TestServerError("connection closed (\(closed.code.map(String.init) ?? "-") \(closed.reason ?? "")) before the expected message") }
            guard ContinuousClock.now < deadline else {
                throw TestServerError("no matching message within \(timeout) (connection \(state.withLock { $0.outbound == nil ? "not open" : "open" }))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every message received and not yet consumed.
    public func drain() -> [JSON] {
        state.withLock { s in
            defer { s.received.removeAll() }
            return s.received
        }
    }

    /// Waits until the server has closed the connection; fails after `timeout`.
    public func closed(timeout: Duration = .seconds(20)) async throws -> Closed {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let closed = state.withLock({ $0.closed }) { return closed }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestServerError("connection still open after \(timeout)")
    }

    /// Closes from this side.
    public func close() async {
        if let outbound = state.withLock({ $0.outbound }) { try? await outbound.close(.normalClosure, reason: nil) }
        _ = try? await closed(timeout: .seconds(5))
        task.withLock { $0 }?.cancel()
    }
}

extension RawHTTPConnection {
    /// A connection upgraded to a WebSocket at `path` by hand and then left raw: a peer that
    /// never reads (a slow client) and never answers pings (a dead one) unless the test makes
    /// it. What the upgrade answer's read took beyond the headers is dropped.
    public static func webSocket(port: Int, path: String) async throws -> RawHTTPConnection {
        let connection = try await open(port: port)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try await connection.send(Array(request.utf8))
        let head = try await connection.receive(until: "\r\n\r\n")
        guard head.hasPrefix("HTTP/1.1 101") else {
            connection.close()
            throw TestServerError("WebSocket upgrade of \(path) refused: \(head.prefix(200))")
        }
        return connection
    }
}
