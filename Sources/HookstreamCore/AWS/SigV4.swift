public import Crypto
public import Foundation

/// AWS Signature Version 4: what `Authorization` a request to an AWS service must carry.
///
/// Pure: the request, the credentials, the scope and the time in; the headers to add out.
/// Each step is its own function so the tests can compare every intermediate with botocore's
/// signer (Tests/HookstreamCoreTests/Fixtures/sigv4-vectors.json, made by
/// scripts/generate-sigv4-vectors).
///
/// The rules that differ by service, as botocore applies them:
/// - The canonical URI of every service but S3 is the request path URI-encoded once more
///   (its `%` become `%25`) after dot segments are resolved; S3's is the path as sent, which is
///   why S3 keys must be encoded exactly once, with `/` kept.
/// - S3 requests carry `X-Amz-Content-SHA256`; its value — the body's SHA-256, or
///   `UNSIGNED-PAYLOAD` when the body is not signed (HTTPS only) — stands in the canonical
///   request in place of the payload hash.
/// - Header values are trimmed and inner runs of spaces collapsed; `User-Agent`, `Expect` and
///   `X-Amzn-Trace-Id` are never signed (proxies change them).
public struct SigV4 {
    public struct Credentials: Sendable, Equatable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// How the body enters the signature.
    public enum Payload: Sendable, Equatable {
        /// Its SHA-256 (every service; S3 also sends it as `X-Amz-Content-SHA256`).
        case signed
        /// S3 over HTTPS: `UNSIGNED-PAYLOAD`, sent as `X-Amz-Content-SHA256`.
        case unsigned
    }

    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let unsignedHeaders: Set<String> = ["user-agent", "expect", "x-amzn-trace-id"]

    public var service: String
    public var region: String

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// A request as it will be sent.
    public struct Request: Sendable {
        public var method: String
        /// Absolute, already percent-encoded as it goes on the wire.
        public var url: String
        /// Without `Host` (it is taken from the URL) and without the signing headers.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    /// The headers to add to `request`: `X-Amz-Date`, for S3 `X-Amz-Content-SHA256`, the
    /// session token when there is one, and `Authorization`. `Host` is signed from the URL
    /// but not returned (the HTTP client sets it).
    public func headers(for request: Request, credentials: Credentials, date: Date, payload: Payload = .signed) -> [(name: String, value: String)] {
        let signed = signedRequest(request, credentials: credentials, date: date, payload: payload)
        let signature = Self.hex(signature(stringToSign: stringToSign(canonicalRequest: canonicalRequest(signed), date: date), credentials: credentials, date: date))
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(date)), SignedHeaders=\(signedHeaders(signed)), Signature=\(signature)"
        return signed.headers.filter { name, _ in request.headers.allSatisfy { $0.name.lowercased() != name.lowercased() } && name.lowercased() != "host" }
            + [("Authorization", authorization)]
    }

    /// The request with the headers that take part in the signature added.
    public func signedRequest(_ request: Request, credentials: Credentials, date: Date, payload: Payload) -> Request {
        var signed = request
        if let host = Self.hostHeader(request.url), !request.headers.contains(where: { $0.name.lowercased() == "host" }) {
            signed.headers.append(("Host", host))
        }
        signed.headers.append(("X-Amz-Date", Self.timestamp(date)))
        if service == "s3" {
            signed.headers.append(("X-Amz-Content-SHA256", payload == .unsigned ? Self.unsignedPayload : Self.hex(SHA256.hash(data: request.body))))
        }
        if let token = credentials.sessionToken { signed.headers.append(("X-Amz-Security-Token", token)) }
        return signed
    }

    // MARK: - The steps

    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload
    /// hash, one per line.
    public func canonicalRequest(_ request: Request) -> String {
        let (path, query) = Self.pathAndQuery(request.url)
        let headers = canonicalHeaders(request)
        let payloadHash =
            request.headers.first { $0.name.lowercased() == "x-amz-content-sha256" }?.value ?? Self.hex(SHA256.hash(data: request.body))
        return [
            request.method.uppercased(), canonicalURI(path), Self.canonicalQuery(query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(), headers.map(\.name).joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        [Self.algorithm, Self.timestamp(date), scope(date), Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request")`.
    public func signingKey(secretAccessKey: String, date: Date) -> [UInt8] {
        var key = Self.hmac(Array(("AWS4" + secretAccessKey).utf8), Self.day(date))
        for part in [region, service, "aws4_request"] { key = Self.hmac(key, part) }
        return key
    }

    public func signature(stringToSign: String, credentials: Credentials, date: Date) -> [UInt8] {
        Self.hmac(signingKey(secretAccessKey: credentials.secretAccessKey, date: date), stringToSign)
    }

    public func scope(_ date: Date) -> String { "\(Self.day(date))/\(region)/\(service)/aws4_request" }

    func signedHeaders(_ request: Request) -> String { canonicalHeaders(request).map(\.name).joined(separator: ";") }

    /// Lower-cased names, sorted; values trimmed with inner whitespace collapsed; repeated
    /// headers joined with `,`.
    func canonicalHeaders(_ request: Request) -> [(name: String, value: String)] {
        var byName: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            byName[lower, default: []].append(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        return byName.keys.sorted().map { ($0, byName[$0]!.joined(separator: ",")) }
    }

    func canonicalURI(_ path: String) -> String {
        let path = path.isEmpty ? "/" : path
        guard service != "s3" else { return path }
        return Self.encode(Self.removingDotSegments(path), keepingSlash: true)
    }

    // MARK: - Encoding

    /// RFC 3986 unreserved characters stay; every other byte becomes `%XX` (upper-case hex).
    public static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The query's pairs decoded, encoded the AWS way, and sorted by name then value.
    static func canonicalQuery(_ query: Substring?) -> String {
        guard let query, !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func canonical(_ s: Substring) -> String { encode(String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s), keepingSlash: false) }
            return (canonical(parts[0]), parts.count > 1 ? canonical(parts[1]) : "")
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `/a/./b/../c` → `/a/c`, keeping a trailing slash (botocore's `normalize_url_path`).
    static func removingDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = output.popLast()
            default: output.append(segment)
            }
        }
        let joined = "/" + output.joined(separator: "/")
        return path.hasSuffix("/") && joined != "/" ? joined + "/" : joined
    }

    /// The path (as written, still encoded) and the query of an absolute URL.
    static func pathAndQuery(_ url: String) -> (path: String, query: Substring?) {
        guard let schemeEnd = url.range(of: "://") else { return ("/", nil) }
        let afterAuthority = url[schemeEnd.upperBound...].drop { $0 != "/" && $0 != "?" }
        let withoutFragment = afterAuthority.prefix { $0 != "#" }
        guard let question = withoutFragment.firstIndex(of: "?") else { return (String(withoutFragment), nil) }
        return (String(withoutFragment[..<question]), withoutFragment[withoutFragment.index(after: question)...])
    }

    /// `host` or `host:port` (default ports omitted, as HTTP clients send it).
    public static func hostHeader(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host else { return nil }
        let scheme = components.scheme?.lowercased()
        guard let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else { return host }
        return "\(host):\(port)"
    }

    // MARK: - Primitives

    /// `yyyyMMddTHHmmssZ` in UTC (the `X-Amz-Date` form).
    public static func timestampString(_ date: Date) -> String { timestamp(date) }

    static func timestamp(_ date: Date) -> String {
        let t = utc(date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    static func day(_ date: Date) -> String { String(timestamp(date).prefix(8)) }

    private static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    static func hmac(_ key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
