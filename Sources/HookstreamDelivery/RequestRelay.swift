public import AsyncHTTPClient
public import HookstreamCore
public import NIOCore
import NIOHTTP1

/// Sends a received request on to another URL, once, and measures the answer: what
/// `events replay --to` does from the CLI's machine, what `listen --forward` does for each
/// request of a session, and what a test session's server-side forwarding does. The request
/// keeps its method, its end-to-end headers (``ForwardedHeaders``) and its exact body bytes,
/// so a signature computed by the original sender still verifies at the target.
public enum RequestRelay {
    /// A request as it was received.
    public struct Request: Sendable {
        public var method: String
        public var headers: [(name: String, value: String)]
        public var body: ByteBuffer

        public init(method: String, headers: [(name: String, value: String)], body: ByteBuffer) {
            self.method = method
            self.headers = headers
            self.body = body
        }
    }

    /// The target's answer.
    public struct Answer: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        /// At most the `maxResponseBytes` asked for; ``truncated`` says whether there was more.
        public var body: ByteBuffer
        public var truncated: Bool
        /// From sending the request to the end of the answer's body.
        public var latencyMillis: Double
    }

    /// Sends `request` to `url` through `client` (so the outbound policy applies for
    /// `audience`).
    /// - Parameter extraHeaders: added after the request's own (hookstream's provenance).
    /// - Throws: `OutboundRefusal` before any connection, or the client's errors.
    public static func send(
        _ request: Request, to url: String, client: OutboundHTTPClient, audience: OutboundPolicy.Audience, timeoutSeconds: Double,
        extraHeaders: [(name: String, value: String)] = [], maxResponseBytes: Int = 16 * 1024 * 1024
    ) async throws -> Answer {
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in ForwardedHeaders.filter(request.headers) + extraHeaders { outgoing.headers.add(name: header.name, value: header.value) }
        if request.body.readableBytes > 0 { outgoing.body = .bytes(request.body) }
        let started = ContinuousClock.now
        let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(timeoutSeconds * 1000)), audience: audience)
        var body = ByteBuffer()
        var truncated = false
        // Read to the end (so the connection can be reused) but keep only the first bytes.
        for try await chunk in response.body {
            let room = maxResponseBytes - body.readableBytes
            if chunk.readableBytes > room { truncated = true }
            if room > 0 { body.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes))!) }
        }
        let elapsed = ContinuousClock.now - started
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return Answer(status: response.status, headers: response.headers, body: body, truncated: truncated, latencyMillis: millis)
    }

    /// `url` with `query` (a received request's query string, without `?`) appended, so the
    /// provider's parameters reach the target as they reached hookstream.
    public static func url(_ url: String, appendingQuery query: Substring) -> String {
        guard !query.isEmpty else { return url }
        return url + (url.contains("?") ? "&" : "?") + query
    }
}
