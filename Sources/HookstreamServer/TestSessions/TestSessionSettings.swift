import Foundation
import HookstreamCore
import JSONValue

/// Validation of what a session's owner may set: the custom response and the forwarding URL.
/// Pure: a bad value is a 400 (or a 403 from the outbound policy) before anything is written.
enum TestSessionSettings {
    /// Headers the server sets itself on every answer; a custom value would corrupt the
    /// response framing or impersonate the server's own bookkeeping.
    static let reservedHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "content-type", "date", "server", "x-request-id",
    ]
    static let maxHeaders = 20

    /// `PATCH …/response`: each member given replaces that part; members left out keep theirs.
    static func response(_ body: JSONBody, current: TestSession.CustomResponse) throws -> TestSession.CustomResponse {
        var response = current
        if body.has("status_code") {
            guard case .number(let code)? = body.members["status_code"], code == code.rounded(),
                TestSession.CustomResponse.statusRange.contains(Int(exactly: code) ?? 0)
            else { throw APIError.badRequest("'status_code' must be an integer from 200 to 599") }
            response.statusCode = Int(code)
        }
        if body.has("content_type") {
            guard case .string(let type)? = body.members["content_type"], !type.isEmpty, type.utf8.count <= 200,
                !type.contains(where: { $0 == "\r" || $0 == "\n" })
            else { throw APIError.badRequest("'content_type' must be a single-line string of at most 200 characters") }
            response.contentType = type
        }
        if body.has("body") {
            switch body.members["body"] {
            case .null?: response.body = nil
            case .string(let text)?:
                guard text.utf8.count <= TestSession.CustomResponse.maxBodyBytes else {
                    throw APIError.badRequest("'body' must be at most \(TestSession.CustomResponse.maxBodyBytes) bytes")
                }
                response.body = text
            default: throw APIError.badRequest("'body' must be a string (or null for the default answer)")
            }
        }
        if body.has("headers") {
            response.headers = try headers(body.members["headers"])
        }
        return response
    }

    private static func headers(_ value: JSON?) throws -> [String: String] {
        switch value {
        case .null?: return [:]
        case .object(let members)?:
            guard members.count <= maxHeaders else { throw APIError.badRequest("'headers' may hold at most \(maxHeaders) headers") }
            var out: [String: String] = [:]
            for (name, value) in members {
                guard OutboundSigningConfig.isToken(name), name.utf8.count <= 100 else {
                    throw APIError.badRequest("'headers' has an invalid header name '\(name)'")
                }
                guard !reservedHeaders.contains(name.lowercased()) else {
                    throw APIError.badRequest("'headers' may not set \(name)\(name.lowercased() == "content-type" ? " (use 'content_type')" : "")")
                }
                guard case .string(let text) = value, !text.contains(where: { $0 == "\r" || $0 == "\n" }), text.utf8.count <= 1024 else {
                    throw APIError.badRequest("'headers.\(name)' must be a single-line string of at most 1024 bytes")
                }
                out[name] = text
            }
            return out
        default: throw APIError.badRequest("'headers' must be an object of header names to values")
        }
    }

    /// `PATCH …/forwarding`: `{"url": "…"}` turns forwarding on, `{"url": null}` or
    /// `{"enabled": false}` turns it off. The outbound policy for unauthenticated callers
    /// decides here already: `--public-outbound off` refuses every URL, and a literal address
    /// it refuses is refused now; names are judged again, on their addresses, at each send.
    /// - Throws: `APIError` 400 for a malformed value, 403 for a refused target.
    static func forwardURL(_ body: JSONBody, policy: OutboundPolicy) throws -> String? {
        let enabled: Bool
        switch body.members["enabled"] {
        case nil, .null?: enabled = true
        case .bool(let flag)?: enabled = flag
        default: throw APIError.badRequest("'enabled' must be a boolean")
        }
        guard body.has("url") else {
            if !enabled { return nil }
            throw APIError.badRequest("'url' is required (null turns forwarding off)")
        }
        if body.isNull("url") || !enabled { return nil }
        guard case .string(let text)? = body.members["url"], text.count <= 2048, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw APIError.badRequest("'url' must be an absolute http(s) URL") }
        if let refusal = policy.refusal(host: host, for: .anonymous) {
            throw APIError(.forbidden, "Forwarding to '\(text)' is refused by the outbound policy: \(refusal)")
        }
        return text
    }

    static func render(_ r: TestSession.CustomResponse) -> JSON {
        var headers = JSONObject()
        for (name, value) in r.headers.sorted(by: { $0.key < $1.key }) { headers[name] = .string(value) }
        return [
            "status_code": .number(Double(r.statusCode)), "content_type": .string(r.contentType), "body": r.body.map(JSON.string) ?? .null,
            "headers": .object(headers),
        ]
    }
}
