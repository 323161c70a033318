import AsyncHTTPClient
import Foundation
public import JSONValue
public import NIOCore
public import NIOHTTP1

/// What a test sees of an HTTP answer.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// The body parsed as JSON (`.null` when empty or not JSON).
    public var json: JSON { (try? JSON(parsing: body)) ?? .null }
    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers.first(name: name) }
}

/// Real HTTP over a real socket to a server under test.
public struct TestHTTPClient: Sendable {
    public var baseURL: String
    public var apiKey: String?
    public var cookie: String?

    public init(baseURL: String, apiKey: String? = nil, cookie: String? = nil) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.cookie = cookie
    }

    public func request(
        _ method: String, _ path: String, json: JSON? = nil, body: [UInt8]? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(30)
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if let apiKey { request.headers.add(name: "X-API-Key", value: apiKey) }
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: json.serializedBytes()))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 128 * 1024 * 1024)
        return TestResponse(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    public func get(_ path: String) async throws -> TestResponse { try await request("GET", path) }
    public func post(_ path: String, _ json: JSON) async throws -> TestResponse { try await request("POST", path, json: json) }
    public func patch(_ path: String, _ json: JSON) async throws -> TestResponse { try await request("PATCH", path, json: json) }
    public func delete(_ path: String) async throws -> TestResponse { try await request("DELETE", path) }

    public func with(apiKey: String?) -> TestHTTPClient { TestHTTPClient(baseURL: baseURL, apiKey: apiKey, cookie: nil) }
    public func with(cookie: String?) -> TestHTTPClient { TestHTTPClient(baseURL: baseURL, apiKey: nil, cookie: cookie) }
}
