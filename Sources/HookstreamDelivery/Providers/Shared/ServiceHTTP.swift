import AsyncHTTPClient
import Foundation
import HookstreamCore
import JSONValue
import NIOCore
import NIOHTTP1

/// One HTTP exchange between a provider and its service (SQS, a RabbitMQ management API, a
/// Pub/Sub or Kafka REST endpoint), shared by every non-HTTP destination type: the outbound
/// client (its policy, its connection pool per host), the destination's timeout, a capped
/// response body, and the request headers as attempts show them (credentials masked).
struct ServiceHTTP: Sendable {
    let client: OutboundHTTPClient
    static let responseBodyCap = 64 * 1024

    struct Request: Sendable {
        var method: String
        var url: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    /// An answer as received.
    struct Answer: Sendable {
        var status: Int
        /// Lower-cased names.
        var headers: JSONObject
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var isSuccess: Bool { (200..<300).contains(status) }
        var json: JSON? { try? JSON(parsing: body) }
    }

    /// What came of an exchange: the service's answer, or the failed attempt when none came.
    enum Exchange: Sendable {
        case answered(Answer, shownHeaders: JSONObject)
        case failed(ProviderResult)
    }

    /// The headers as an attempt records them: credentials masked.
    static func shown(_ headers: [(name: String, value: String)]) -> JSONObject {
        JSONObject(headers.map { ($0.name, JSON.string(SensitiveHeaders.masked($0.name, $0.value))) }, uniquingKeysWith: { _, last in last })
    }

    /// `Authorization: Basic …` for a user and password (RabbitMQ, Confluent's API key).
    static func basicAuthorization(user: String, password: String) -> (name: String, value: String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    /// Sends `request` within `seconds`.
    func exchange(_ request: Request, timeout seconds: Double) async -> Exchange {
        let headers = request.headers + [("User-Agent", "hookstream")]
        let shown = Self.shown(headers)
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty || request.method == "PUT" || request.method == "POST" {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        do {
            let response = try await client.send(outgoing, timeoutSeconds: seconds, bodyLimit: Self.responseBodyCap, audience: .organization)
            var answered = JSONObject()
            for header in response.headers { answered[header.name.lowercased()] = .string(header.value) }
            let answer = Answer(status: Int(response.status.code), headers: answered, body: Array(buffer: response.body))
            return .answered(answer, shownHeaders: shown)
        } catch {
            let kind = HTTPProvider.classify(error)
            return .failed(ProviderResult(outcome: .transportError(kind), requestHeaders: shown, error: "\(AttemptOutcome.transportError(kind).summary) (\(error))"))
        }
    }

    /// The attempt for an answer: its status, headers and body, and `error` when it failed.
    static func result(_ answer: Answer, shown: JSONObject, outcome: AttemptOutcome? = nil, error: String? = nil) -> ProviderResult {
        ProviderResult(
            outcome: outcome ?? .response(statusCode: answer.status), requestHeaders: shown, responseHeaders: answer.headers,
            responseBody: answer.text, error: error)
    }

    /// A destination whose settings cannot build a request (never after validation, but the
    /// stored settings may predate a rule).
    static func incomplete(_ error: any Error) -> ProviderResult {
        ProviderResult(outcome: .transportError(.other), error: "Destination settings are incomplete: \(error)")
    }
}

extension ServiceHTTP {
    /// `text` as one URL path segment: everything but RFC 3986's unreserved characters
    /// percent-encoded (RabbitMQ's default vhost `/` is `%2F`).
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `url` without its trailing slashes, to append a path to.
    static func base(_ url: String) -> String {
        var base = Substring(url)
        while base.hasSuffix("/") { base = base.dropLast() }
        return String(base)
    }
}

/// What a destination type that is one plain HTTP request per message sends, and how it reads
/// the answer (RabbitMQ's management API, Confluent's REST API). The exchange is shared
/// (``ServiceRequestProvider``).
protocol ServiceRequest: Sendable {
    /// The request for `message` to the destination `destinationID` (Kafka names it in a
    /// record header).
    static func request(_ message: OutboundMessage, config: ProviderConfig, destinationID: String) throws -> ServiceHTTP.Request
    /// The attempt an answer makes: a delivery, or a failure carrying the service's own error.
    static func verdict(_ answer: ServiceHTTP.Answer, shown: JSONObject, config: ProviderConfig) -> ProviderResult
}

/// The provider of a ``ServiceRequest`` type.
struct ServiceRequestProvider<Operation: ServiceRequest>: DeliveryProvider {
    let http: ServiceHTTP

    init(client: OutboundHTTPClient) { http = ServiceHTTP(client: client) }

    func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
        let request: ServiceHTTP.Request
        switch Result(catching: { try Operation.request(message, config: runtime.config, destinationID: runtime.destination.id) }) {
        case .success(let built): request = built
        case .failure(let error): return ServiceHTTP.incomplete(error)
        }
        switch await http.exchange(request, timeout: runtime.destination.timeoutSeconds) {
        case .failed(let result): return result
        case .answered(let answer, let shown): return Operation.verdict(answer, shown: shown, config: runtime.config)
        }
    }
}
