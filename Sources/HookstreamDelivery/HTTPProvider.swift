import AsyncHTTPClient
import Foundation
import HookstreamCore
import JSONValue
import NIOCore
import NIOHTTP1
import NIOPosix

/// The `http` destination type: one request per attempt with the destination's method, URL,
/// headers and timeout, the hookstream delivery headers, and the outbound signature.
///
/// Redirects are not followed unless the destination opts in (`follow_redirects`): a signed
/// webhook re-sent to wherever a 3xx points could leak to an unintended host, so by default a
/// redirect is a failed attempt the user sees. Opted in, each hop passes the outbound policy
/// and the last answer is the attempt's (`OutboundHTTPClient.executeFollowingRedirects`). The response body
/// is read up to `responseBodyCap` bytes and the connection dropped after that, so a receiver
/// answering with 50 MB costs 64 KB of memory (`OutboundHTTPClient.send`).
public final class HTTPProvider: DeliveryProvider {
    public static let responseBodyCap = 64 * 1024

    private let client: OutboundHTTPClient

    /// - Parameter client: shared with the server's other outbound requests; it applies the
    ///   outbound policy (a refused address is a failed attempt whose error says why).
    public init(client: OutboundHTTPClient) {
        self.client = client
    }

    public func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
        let destination = runtime.destination
        let headers = Self.requestHeaders(message, runtime)
        let shown = JSONObject(uniqueKeysWithValues: Self.deduplicated(headers).map { ($0.name, JSON.string(SensitiveHeaders.masked($0.name, $0.value))) })
        guard let url = destination.url else {
            return ProviderResult(outcome: .transportError(.other), requestHeaders: shown, error: "Destination has no URL")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: destination.method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if destination.method != "GET" && destination.method != "HEAD" {
            request.body = .bytes(ByteBuffer(bytes: message.body))
        }
        do {
            let answer = try await client.send(
                request, timeoutSeconds: destination.timeoutSeconds, bodyLimit: Self.responseBodyCap,
                followRedirects: destination.followRedirects, audience: .organization)
            let status = Int(answer.status.code)
            let responseHeaders = answer.headers
            var answered = JSONObject()
            for header in responseHeaders {
                let name = header.name.lowercased()
                if case .string(let existing)? = answered[name] {
                    answered[name] = .string(existing + ", " + header.value)
                } else {
                    answered[name] = .string(header.value)
                }
            }
            let retryAfter = RetryAfter.delay(statusCode: status, headerValue: responseHeaders.first(name: "retry-after"), now: message.now)
            return ProviderResult(
                outcome: .response(statusCode: status), requestHeaders: shown, responseHeaders: answered,
                responseBody: String(buffer: answer.body), retryAfter: retryAfter)
        } catch {
            let kind = Self.classify(error)
            return ProviderResult(outcome: .transportError(kind), requestHeaders: shown, error: "\(AttemptOutcome.transportError(kind).summary) (\(error))")
        }
    }

    /// The destination's headers, then the content type (unless configured), the hookstream
    /// delivery headers and the signature headers.
    static func requestHeaders(_ message: OutboundMessage, _ runtime: DestinationRuntime) -> [(name: String, value: String)] {
        var headers = runtime.headers
        let configured = Set(headers.map { $0.name.lowercased() })
        if let contentType = message.contentType, !configured.contains("content-type") {
            headers.append(("Content-Type", contentType))
        }
        if !configured.contains("user-agent") {
            let streamhook = runtime.signing?.algorithm == .streamhook
            headers.append(("User-Agent", streamhook ? OutboundSigningConfig.streamhookUserAgent : "hookstream"))
        }
        headers.append(("X-hookstream-Event-Id", message.eventID))
        headers.append(("X-hookstream-Delivery-Attempt", String(message.attemptNumber)))
        headers.append(("X-hookstream-Timestamp", Timestamp.iso(message.now)))
        if let signing = runtime.signing {
            headers += OutboundSigner.headers(config: signing, eventID: message.eventID, body: message.body, now: message.now)
        }
        return headers
    }

    private static func deduplicated(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var seen = Set<String>()
        return headers.reversed().filter { seen.insert($0.name.lowercased()).inserted }.reversed()
    }

    /// Runs `work` with an overall deadline (connect, send, head and body together), throwing
    /// `OutboundTimeout` when it passes.
    static func withTimeout<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                throw OutboundTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Maps the client's and NIO's errors onto the transport failure kinds issues are grouped by.
    static func classify(_ error: any Error) -> TransportErrorKind {
        if error is OutboundTimeout { return .timeout }
        if error is PlainHTTPClient.ConnectionClosed { return .connectionReset }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout: return .timeout
            case .tlsHandshakeTimeout: return .tls
            case .remoteConnectionClosed: return .connectionReset
            default: return .other
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil { return .dnsFailure }
            if let first = error.connectionErrors.first { return classify(first.error) }
            return .connectionRefused
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .connectionRefused
            case ECONNRESET, EPIPE: return .connectionReset
            case ETIMEDOUT: return .timeout
            default: return .other
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout }
        if error is SocketAddressError { return .dnsFailure }
        if String(describing: type(of: error)).contains("SSL") { return .tls }
        return .other
    }
}
