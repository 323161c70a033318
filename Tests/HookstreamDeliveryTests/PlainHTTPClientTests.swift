import AsyncHTTPClient
import Foundation
import HookstreamCore
@testable import HookstreamDelivery
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// The plain-`http` client against a loopback server that answers each request with raw bytes
/// a test scripts: kept-alive, closing, chunked, endless, silent, or hanging up.
@Suite struct PlainHTTPClientTests {
    /// Long enough for a loaded machine: the full test run starts dozens of server processes at
    /// once, which can starve this process for seconds. Timing is asserted only where it is the
    /// point (the silent receiver).
    static func generous() -> NIODeadline { .now() + .seconds(60) }

    /// Waits until `condition` holds (polled), up to 30 seconds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<600 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test func aKeptAliveConnectionCarriesOneRequestAfterAnother() async throws {
        let server = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Seen: yes\r\n\r\nok") }
        defer { server.stop() }
        let client = OutboundHTTPClient(policy: OutboundPolicy())
        defer { Task { await client.shutdown() } }
        for n in 0..<3 {
            var request = HTTPClientRequest(url: server.url + "/hooks/in?n=\(n)#fragment")
            request.method = .POST
            request.headers.add(name: "X-Test", value: "a")
            request.body = .bytes(ByteBuffer(string: "{\"n\":\(n)}"))
            let answer = try await client.send(request, timeoutSeconds: 60, bodyLimit: 1024, audience: .organization)
            #expect(answer.status == .ok)
            #expect(answer.headers["x-seen"] == ["yes"])
            #expect(String(buffer: answer.body) == "ok")
            #expect(!answer.truncated)
        }
        let requests = server.requests
        #expect(requests.count == 3)
        #expect(Set(requests.map(\.connection)).count == 1)
        let first = requests[0].text
        #expect(first.hasPrefix("POST /hooks/in?n=0 HTTP/1.1\r\n"))
        #expect(first.lowercased().contains("\r\nhost: 127.0.0.1:\(server.port)\r\n"))
        #expect(first.lowercased().contains("\r\ncontent-length: 7\r\n"))
        #expect(first.hasSuffix("\r\n\r\n{\"n\":0}"))
        // Head and body arrive in one write.
        #expect(requests.allSatisfy { $0.reads == 1 })
    }

    @Test func anAnswerThatClosesOrComesFromHTTP10IsNotReused() async throws {
        let server = try await ScriptedServer.start { request in
            switch request.index {
            case 0: return .reply("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            // No length: the body is everything until the server closes.
            case 1: return .reply("HTTP/1.0 202 Accepted\r\n\r\nread until close", close: true)
            default: return .reply("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            }
        }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        let untilClose = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100)
        #expect(untilClose.status == .accepted && String(buffer: untilClose.body) == "read until close")
        let chunked = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100)
        #expect(chunked.status == .created && String(buffer: chunked.body) == "hello world")
        #expect(server.requests.map(\.connection) == [0, 1, 2])
    }

    @Test func aBodyOverTheLimitIsCutAndItsConnectionDropped() async throws {
        let server = try await ScriptedServer.start { request in
            request.index == 0
                ? .reply("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 100_000))
                : .reply("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny")
        }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        let cut = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 1000)
        #expect(cut.truncated && cut.body.readableBytes == 1000)
        let next = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 1000)
        #expect(!next.truncated && String(buffer: next.body) == "y")
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test func aSilentReceiverTimesOutAndAHangUpIsAReset() async throws {
        let server = try await ScriptedServer.start { request in
            switch request.index {
            case 0: return .silence
            case 1: return .reply("HTTP/1.1 200 OK\r\nContent-Len", close: true)
            default: return .reply("HTTP/1.1 204 No Content\r\n\r\n")
            }
        }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        let started = ContinuousClock.now
        await #expect(throws: OutboundTimeout.self) {
            try await client.send(server.request(), to: server.endpoint, deadline: .now() + .milliseconds(300), bodyLimit: 100)
        }
        // The deadline, not the receiver, ended it (generous bound: a loaded machine is slow).
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        do {
            _ = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100)
            Issue.record("a half-sent answer was taken")
        } catch {
            #expect(HTTPProvider.classify(error) == .connectionReset || HTTPProvider.classify(error) == .other)
        }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .noContent)
        // The timed-out connection was closed, not reused.
        #expect(server.requests.map(\.connection) == [0, 1, 2])
    }

    @Test func aConnectionTheReceiverClosedWhileIdleIsNotUsed() async throws {
        let server = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        server.closeAllConnections()
        #expect(try await Self.eventually { client.idleConnections(to: server.endpoint) == 0 })
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    /// The receiver's keep-alive timeout running out just as a request goes out: the connection
    /// closes with no answer begun, and the request goes again on a new one. On a new connection
    /// the same hang-up fails the request: it is not sent a third time.
    @Test func aKeptAliveConnectionClosedAsTheRequestWentOutIsRetriedOnceOnANewOne() async throws {
        let server = try await ScriptedServer.start { request in
            switch request.index {
            case 0, 2: return .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            default: return .hangUp
            }
        }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(server.requests.map(\.connection) == [0, 0, 1])
        // A fresh connection (the pool is emptied first) that hangs up is the receiver's answer.
        server.closeAllConnections()
        #expect(try await Self.eventually { client.idleConnections(to: server.endpoint) == 0 })
        do {
            _ = try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100)
            Issue.record("a hang-up on a new connection answered")
        } catch {
            #expect(HTTPProvider.classify(error) == .connectionReset, "\(error)")
        }
        #expect(server.requests.map(\.connection) == [0, 0, 1, 2])
    }

    /// A connection the receiver closed between the pool's check and the write: the request
    /// never reaches the exchange handler, and the caller gets the write's error, not a wait
    /// without end.
    @Test func aRequestWrittenToAClosedConnectionFailsAtOnce() async throws {
        let server = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        defer { server.stop() }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: server.port).get()
        try await channel.close()
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        // Raced against a long wait, so a regression fails the test instead of hanging it.
        let outcome = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    _ = try await client.exchange(server.request(), on: channel, deadline: Self.generous(), bodyLimit: 100)
                    return "answered"
                } catch let closed as PlainHTTPClient.ClosedBeforeAnswer where closed.underlying is ChannelError {
                    return "failed"
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return "no answer after 30 s"
            }
            defer { group.cancelAll() }
            return await group.next()!
        }
        #expect(outcome == "failed")
    }

    /// A second answer to one request (a server's 408 on an idle connection) closes it.
    @Test func anAnswerNobodyAskedForClosesTheConnection() async throws {
        let server = try await ScriptedServer.start { request in
            request.index == 0
                ? .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
                : .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4)
        defer { client.shutdown() }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(try await Self.eventually { client.idleConnections(to: server.endpoint) == 0 })
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        defer { server.stop() }
        let client = PlainHTTPClient(group: MultiThreadedEventLoopGroup.singleton, idleLimit: 4, idleTimeout: .milliseconds(100))
        defer { client.shutdown() }
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(try await Self.eventually { server.box.state.withLock { $0.open.filter(\.isActive).isEmpty } })
        #expect(try await client.send(server.request(), to: server.endpoint, deadline: Self.generous(), bodyLimit: 100).status == .ok)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test func aRefusedConnectionAndAHeaderThatWouldSplitTheRequestFail() async throws {
        let server = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        let closedPort = server.port
        server.stop()
        try await Task.sleep(for: .milliseconds(100))
        let client = OutboundHTTPClient(policy: OutboundPolicy())
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(closedPort)/"), timeoutSeconds: 60, bodyLimit: 10, audience: .organization)
            Issue.record("a closed port answered")
        } catch {
            #expect(HTTPProvider.classify(error) == .connectionRefused)
        }

        let open = try await ScriptedServer.start { _ in .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        defer { open.stop() }
        var request = HTTPClientRequest(url: open.url + "/")
        request.headers.add(name: "X-Injected", value: "a\r\nX-Smuggled: b")
        await #expect(throws: (any Error).self) {
            try await client.send(request, timeoutSeconds: 60, bodyLimit: 10, audience: .organization)
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(open.requests.isEmpty)
    }
}

/// A loopback HTTP server whose answers are raw bytes chosen per request by a script.
final class ScriptedServer: Sendable {
    struct Request: Sendable {
        /// Requests before this one, over all connections.
        var index: Int
        /// Accepted connections before the one this came on.
        var connection: Int
        var text: String
        /// Reads it took to receive the whole request.
        var reads: Int
    }

    enum Action: Sendable {
        case reply(String, close: Bool = false)
        case silence
        /// Close the connection without a word.
        case hangUp
    }

    struct State {
        var requests: [Request] = []
        var connections = 0
        var open: [any Channel] = []
    }

    let port: Int
    let box: StateBox
    private let channel: any Channel

    var url: String { "http://127.0.0.1:\(port)" }
    var endpoint: PlainHTTPClient.Endpoint { .init(address: IPAddress("127.0.0.1")!, port: port) }
    var requests: [Request] { box.state.withLock(\.requests) }

    func request() -> PlainHTTPClient.Request {
        PlainHTTPClient.Request(method: .POST, target: "/", headers: ["Host": "test"], body: ByteBuffer(string: "{}"))
    }

    private init(channel: any Channel, box: StateBox) {
        self.channel = channel
        self.port = channel.localAddress!.port!
        self.box = box
    }

    static func start(_ script: @escaping @Sendable (Request) -> Action) async throws -> ScriptedServer {
        let box = StateBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                let number = box.state.withLock { state in
                    defer { state.connections += 1 }
                    state.open.append(child)
                    return state.connections
                }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(RawRequestHandler(connection: number, box: box, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedServer(channel: channel, box: box)
    }

    func closeAllConnections() {
        for child in box.state.withLock(\.open) { child.close(promise: nil) }
    }

    func stop() {
        closeAllConnections()
        channel.close(promise: nil)
    }
}

final class StateBox: Sendable {
    let state = Mutex(ScriptedServer.State())
}

/// Collects one request (head and a `Content-Length` body), then acts as the script says.
private final class RawRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let connection: Int
    let box: StateBox
    let script: @Sendable (ScriptedServer.Request) -> ScriptedServer.Action
    var pending = ""
    var reads = 0

    init(connection: Int, box: StateBox, script: @escaping @Sendable (ScriptedServer.Request) -> ScriptedServer.Action) {
        self.connection = connection
        self.box = box
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += String(buffer: unwrapInboundIn(data))
        reads += 1
        guard let headEnd = pending.range(of: "\r\n\r\n") else { return }
        let head = pending[..<headEnd.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
        let whole = pending.utf8.count - pending[..<headEnd.upperBound].utf8.count >= length
        guard whole else { return }
        let text = pending
        let request = box.state.withLock { state in
            let request = ScriptedServer.Request(index: state.requests.count, connection: connection, text: text, reads: reads)
            state.requests.append(request)
            return request
        }
        pending = ""
        reads = 0
        switch script(request) {
        case .silence: break
        case .hangUp: context.close(promise: nil)
        case .reply(let bytes, let close):
            let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: bytes)))
            if close { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
        }
    }
}
