import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A webhook receiver on a free loopback port that records every request and answers as told,
/// including on purpose badly: error statuses, stalls past the sender's timeout, a huge body,
/// a redirect.
///
/// ```swift
/// let receiver = try await TestReceiver.start()
/// receiver.reply([.status(503), .status(503)])   // then the default, 200
/// let requests = try await receiver.waitFor(count: 3)
/// ```
public final class TestReceiver: Sendable {
    public struct Received: Sendable {
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: [UInt8]
        public var path: String
        public var at: Date

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Reply: Sendable {
        /// `headers` may carry `Retry-After`.
        case status(Int, headers: [String: String] = [:], body: String = "{\"ok\":true}")
        /// Answer nothing for this long, then 200.
        case stall(seconds: Double)
        /// Answer nothing for this long, then this status.
        case slow(seconds: Double, status: Int)
        /// A 200 whose body is this many bytes.
        case huge(bytes: Int)
        /// A 3xx (307 unless told) pointing at `to`.
        case redirect(to: String, status: Int = 307)
        /// The reply `answer` computes from the request: a fake of a service's protocol
        /// (checking auth, path and body the way the service would).
        case computed(_ answer: @Sendable (Received) -> Reply)
    }

    struct State {
        var queue: [Reply] = []
        var fallback: Reply = .status(200)
        var received: [Received] = []
        /// Requests being answered now, per `X-hookstream-Event-Id`.
        var answering: [String: Int] = [:]
        /// Event IDs that arrived while a request for the same event was still being answered.
        var overlapping: [String] = []
        /// Requests being answered now, and the most at once since the count was last reset.
        var now = 0
        var mostAtOnce = 0
    }

    /// Shared by the receiver and its route handler.
    final class Shared: Sendable {
        let state = Mutex(State())
    }

    public let url: String
    private let shared: Shared
    private let running: GracefulStop

    private init(url: String, shared: Shared, running: GracefulStop) {
        self.url = url
        self.shared = shared
        self.running = running
    }

    /// Replies used in order for the next requests; afterwards the default applies.
    public func reply(_ replies: [Reply]) { shared.state.withLock { $0.queue += replies } }

    /// Drops the queued replies no request has taken yet.
    public func clearReplies() { shared.state.withLock { $0.queue.removeAll() } }

    /// The reply once the queue is empty (initially `200`).
    public func setDefault(_ reply: Reply) { shared.state.withLock { $0.fallback = reply } }

    public var requests: [Received] { shared.state.withLock { $0.received } }

    /// Event IDs (`X-hookstream-Event-Id`) of requests that arrived while another request for
    /// the same event was still being answered: one delivery in flight twice at once.
    public var overlapping: [String] { shared.state.withLock { $0.overlapping } }

    /// The most requests answered at once since the receiver started or the last
    /// ``resetMostAtOnce()``.
    public var mostAtOnce: Int { shared.state.withLock { $0.mostAtOnce } }

    /// Starts counting ``mostAtOnce`` afresh from the requests being answered now.
    public func resetMostAtOnce() { shared.state.withLock { $0.mostAtOnce = $0.now } }

    /// Waits until at least `count` requests arrived.
    public func waitFor(count: Int, timeout: Duration = .seconds(60)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestServerError("receiver saw \(requests.count) requests, expected \(count)")
    }

    public func stop() { running.stop() }

    public static func start() async throws -> TestReceiver {
        let shared = Shared()
        let router = Router()
        let handle: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            // HTTP/1's Host header arrives as the authority pseudo-header.
            if let authority = request.head.authority { headers["host"] = authority }
            let received = Received(headers: headers, body: Array(body.readableBytesView), path: request.uri.path, at: Date())
            let eventID = headers["x-hookstream-event-id"]
            let reply = shared.state.withLock { s -> Reply in
                s.received.append(received)
                s.now += 1
                s.mostAtOnce = max(s.mostAtOnce, s.now)
                if let eventID {
                    if s.answering[eventID, default: 0] > 0 { s.overlapping.append(eventID) }
                    s.answering[eventID, default: 0] += 1
                }
                return s.queue.isEmpty ? s.fallback : s.queue.removeFirst()
            }
            defer {
                shared.state.withLock { s in
                    s.now -= 1
                    if let eventID { s.answering[eventID, default: 1] -= 1 }
                }
            }
            return try await respond(reply, to: received)
        }
        router.on("/", method: .post, use: handle)
        router.on("**", method: .post, use: handle)
        let listening = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                listening.continuation.yield(channel.localAddress?.port ?? 0)
                listening.continuation.finish()
            })
        let running = GracefulStop { try await app.runService() }
        var iterator = listening.stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestServerError("receiver did not start") }
        return TestReceiver(url: "http://127.0.0.1:\(port)", shared: shared, running: running)
    }

    private static func respond(_ reply: Reply, to received: Received) async throws -> Response {
        switch reply {
        case .status(let code, let headers, let body):
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            if let retryAfter = headers["Retry-After"] { fields[.retryAfter] = retryAfter }
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .stall(let seconds):
            return try await respond(.slow(seconds: seconds, status: 200), to: received)
        case .slow(let seconds, let status):
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return Response(status: .init(code: status))
        case .huge(let bytes):
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            return Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: ResponseBody(contentLength: bytes) { writer in
                    var left = bytes
                    while left > 0 {
                        let n = min(left, chunk.readableBytes)
                        try await writer.write(chunk.getSlice(at: 0, length: n)!)
                        left -= n
                    }
                    try await writer.finish(nil)
                })
        case .redirect(let location, let status):
            return Response(status: .init(code: status), headers: [.location: location])
        case .computed(let answer):
            return try await respond(answer(received), to: received)
        }
    }
}
