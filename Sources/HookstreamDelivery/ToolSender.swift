import AsyncHTTPClient
import Foundation
public import HookstreamCore
import JSONValue
import NIOCore
import NIOHTTP1

/// Sends the tools API's requests (health check, scheduled webhook, idempotency test) through
/// the server's `OutboundHTTPClient` on behalf of an anonymous caller, so `--public-outbound`
/// decides what they may reach. One request, one answer: a status with up to
/// ``responseBodyCap`` bytes of body, or a transport error; redirects are answered, not followed.
public struct ToolSender: Sendable {
    /// The whole of one request (connect, send, answer) may take this long.
    public static let timeoutSeconds = 10.0
    /// Bytes of an answer's body kept (and shown to the caller); the rest is not read.
    public static let responseBodyCap = 16 * 1024

    public struct Answer: Sendable {
        public var status: Int?
        public var headers: [(name: String, value: String)]
        public var body: String
        public var bodyTruncated: Bool
        public var latencyMillis: Int
        /// Why nothing answered (a timeout, a refused connection, a TLS failure).
        public var error: String?
    }

    private let client: OutboundHTTPClient

    public init(client: OutboundHTTPClient) { self.client = client }

    /// Whether the anonymous caller may call out at all (`--public-outbound off` says no).
    public var refusal: String? { client.policy.refusal(for: .anonymous) }

    /// Checks `host` against the policy as a send would, without sending anything.
    /// - Throws: `OutboundRefusal`, or the resolver's error.
    public func check(host: String) async throws {
        _ = try await client.checkedAddress(host: host, audience: .anonymous)
    }

    /// Sends `request` with `extraHeaders` (the tool's own, added unless the caller set them).
    /// - Throws: `OutboundRefusal` when the policy refuses the target; nothing was sent.
    public func send(_ request: ToolRequest, extraHeaders: [(String, String)] = []) async throws -> Answer {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        var defaults = extraHeaders + [("User-Agent", "hookstream-tools/1.0")]
        if let body = request.body {
            let isJSON = (try? JSON(parsing: Array(body.utf8))) != nil
            defaults.append(("Content-Type", isJSON ? "application/json" : "text/plain; charset=utf-8"))
            outgoing.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in defaults where !request.hasHeader(name) { outgoing.headers.add(name: name, value: value) }

        let started = ContinuousClock.now
        let elapsed = { @Sendable () -> Int in
            let duration = ContinuousClock.now - started
            return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        let timeout = Self.timeoutSeconds
        do {
            let response = try await client.send(outgoing, timeoutSeconds: timeout, bodyLimit: Self.responseBodyCap, audience: .anonymous)
            return Answer(
                status: Int(response.status.code), headers: response.headers.map { ($0.name.lowercased(), $0.value) },
                body: String(buffer: response.body), bodyTruncated: response.truncated, latencyMillis: elapsed(), error: nil)
        } catch let refusal as OutboundRefusal {
            throw refusal
        } catch {
            let summary = AttemptOutcome.transportError(HTTPProvider.classify(error)).summary
            return Answer(status: nil, headers: [], body: "", bodyTruncated: false, latencyMillis: elapsed(), error: "\(summary) (\(error))")
        }
    }
}
