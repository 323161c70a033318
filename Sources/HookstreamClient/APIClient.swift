import AsyncHTTPClient
import Foundation
public import JSONValue
import NIOCore
import NIOHTTP1

/// A small client of hookstream's REST API, used by the CLI: JSON in, JSON out, and the
/// server's standard error body turned into an `APIClientError` carrying its message.
public struct APIClient: Sendable {
    public var baseURL: String
    public var apiKey: String?
    public var timeout: TimeAmount = .seconds(30)

    public init(baseURL: String, apiKey: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
    }

    public func get(_ path: String, query: [(String, String?)] = []) async throws -> JSON {
        try await send("GET", path, query: query, body: nil)
    }

    public func post(_ path: String, _ body: JSON) async throws -> JSON { try await send("POST", path, body: body) }

    public func patch(_ path: String, _ body: JSON) async throws -> JSON { try await send("PATCH", path, body: body) }

    public func delete(_ path: String) async throws -> JSON { try await send("DELETE", path, body: nil) }

    public func send(_ method: String, _ path: String, query: [(String, String?)] = [], body: JSON?) async throws -> JSON {
        let response = try await execute(request(method, path, query: query, body: body), deadline: .now() + timeout)
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let value = bytes.readableBytes == 0 ? JSON.null : (try? JSON(parsing: bytes.readableBytesView))
        try Self.check(response, value)
        guard let value else { throw APIClientError(status: Int(response.status.code), message: "The server answered with invalid JSON") }
        return value
    }

    /// A `GET` whose answer is not JSON and may be large (an export): its body goes to `sink`
    /// chunk by chunk as it arrives, never held whole. No overall timeout, since a large
    /// download takes as long as it takes; an error answer is thrown like `send`'s.
    public func download(_ path: String, query: [(String, String?)] = [], to sink: (ByteBuffer) async throws -> Void) async throws {
        let response = try await execute(request("GET", path, query: query, body: nil), deadline: .distantFuture)
        guard (200..<300).contains(Int(response.status.code)) else {
            let bytes = try await response.body.collect(upTo: 1024 * 1024)
            try Self.check(response, try? JSON(parsing: bytes.readableBytesView))
            return
        }
        for try await chunk in response.body { try await sink(chunk) }
    }

    private func request(_ method: String, _ path: String, query: [(String, String?)], body: JSON?) -> HTTPClientRequest {
        var url = baseURL + path
        let pairs = query.compactMap { key, value in value.map { "\(Self.escape(key))=\(Self.escape($0))" } }
        if !pairs.isEmpty { url += "?" + pairs.joined(separator: "&") }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "hookstream-cli")
        if let apiKey { request.headers.add(name: "X-API-Key", value: apiKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serializedBytes()))
        }
        return request
    }

    private func execute(_ request: HTTPClientRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        do {
            return try await HTTPClient.shared.execute(request, deadline: deadline)
        } catch {
            throw APIClientError(status: nil, message: "Cannot reach \(baseURL): \(error)")
        }
    }

    /// Throws the server's error body (or its status) for a non-2xx answer.
    private static func check(_ response: HTTPClientResponse, _ value: JSON?) throws {
        guard (200..<300).contains(Int(response.status.code)) else {
            let message = value?["error"]?.stringValue ?? "HTTP \(response.status.code)"
            throw APIClientError(status: Int(response.status.code), message: message, body: value?.objectValue ?? [:])
        }
    }

    /// Percent-encodes a path segment or query component.
    public static func escape(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

public struct APIClientError: Error, CustomStringConvertible, Sendable {
    public var status: Int?
    public var message: String
    /// The server's whole error body: beyond `error`, `status` and `request_id` it may say
    /// where the problem is (a JSONata `code` and `position`, `validation_errors`).
    public var body: JSONObject

    public init(status: Int?, message: String, body: JSONObject = [:]) {
        self.status = status
        self.message = message
        self.body = body
    }

    /// Where in an expression the server found the error, when it said (JSONata errors).
    public var location: String? {
        let code = body["code"]?.stringValue
        let position = body["position"]?.numberValue.map { Int($0) }
        switch (code, position) {
        case (let code?, let position?): return "code \(code) at position \(position)"
        case (let code?, nil): return "code \(code)"
        case (nil, let position?): return "at position \(position)"
        case (nil, nil): return nil
        }
    }

    /// The message, then the location on a line of its own.
    public var description: String {
        location.map { "\(message)\n  \($0)" } ?? message
    }
}
