import Foundation

/// The request a tools endpoint sends on a caller's behalf (health check, scheduled webhook,
/// idempotency test), checked before anything is stored or sent. Anyone may call the tools
/// API, so what they can make the server send is narrow: `http`/`https` URLs, ordinary
/// methods, headers that cannot change how the request is framed or routed, a bounded body.
public struct ToolRequest: Sendable, Equatable {
    public var url: String
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: String?

    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    public static let maxURLLength = 2048
    public static let maxHeaders = 50
    public static let maxHeaderValueLength = 4096
    public static let maxBodyBytes = 65_536
    /// Framing and routing are the server's to decide; the rest of the hop-by-hop set too.
    static let reservedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "expect",
    ]

    public init(url: String, method: String, headers: [(name: String, value: String)], body: String?) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    public static func == (a: ToolRequest, b: ToolRequest) -> Bool {
        a.url == b.url && a.method == b.method && a.body == b.body && a.headers.map { [$0.name, $0.value] } == b.headers.map { [$0.name, $0.value] }
    }

    /// A refusal naming the field, fit for a 400.
    public struct Invalid: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// - Throws: `Invalid` for a URL that is not absolute `http`/`https` (or carries
    ///   credentials), an unknown method, a reserved or malformed header, a body over the limit.
    public static func validated(url: String, method: String?, headers: [(name: String, value: String)], body: String?) throws -> ToolRequest {
        guard url.utf8.count <= maxURLLength else { throw Invalid("'url' must be at most \(maxURLLength) characters") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw Invalid("'url' must be an absolute http or https URL") }
        // user:password@ would be sent as the caller typed it to wherever the name leads.
        guard components.user == nil, components.password == nil else { throw Invalid("'url' must not carry credentials (user:password@)") }
        let verb = (method ?? "POST").uppercased()
        guard methods.contains(verb) else { throw Invalid("'method' must be one of: \(methods.joined(separator: ", "))") }
        guard headers.count <= maxHeaders else { throw Invalid("'headers' may hold at most \(maxHeaders) headers") }
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw Invalid("'headers': '\(name)' is not a valid header name") }
            guard !reservedHeaders.contains(name.lowercased()) else { throw Invalid("'headers': \(name) is set by hookstream and cannot be given") }
            guard value.utf8.count <= maxHeaderValueLength, !value.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) else {
                throw Invalid("'headers': the value of \(name) must be one line of at most \(maxHeaderValueLength) bytes")
            }
        }
        if let body, body.utf8.count > maxBodyBytes { throw Invalid("'body' must be at most \(maxBodyBytes) bytes") }
        return ToolRequest(url: url, method: verb, headers: headers, body: body)
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether the caller set `name` (case-insensitive).
    public func hasHeader(_ name: String) -> Bool { headers.contains { $0.name.lowercased() == name.lowercased() } }
}
