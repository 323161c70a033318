import Foundation
import HookstreamCore
import JSONValue

/// The `gcp_pubsub` type: one publish per delivery,
/// `POST {endpoint}/v1/projects/{project_id}/topics/{topic_id}:publish` with a bearer token the
/// service account key obtains (``GoogleAccessTokens``).
///
/// The message's `data` is the body in base64 (the bytes ingested, whatever their type); its
/// attributes are `event_id` and `source_id` (the spec's, for subscription filters) and
/// `content_type` when the body has one. Pub/Sub answers the IDs it assigned; an answer
/// without one is not a delivery.
struct PubSubProvider: DeliveryProvider {
    static let scope = "https://www.googleapis.com/auth/pubsub"
    static let googleEndpoint = "https://pubsub.googleapis.com"

    let http: ServiceHTTP
    let tokens = GoogleAccessTokens()

    init(client: OutboundHTTPClient) { http = ServiceHTTP(client: client) }

    func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
        let timeout = runtime.destination.timeoutSeconds
        let key: String
        do { key = try runtime.config.required("service_account_json") } catch { return ServiceHTTP.incomplete(error) }
        let token: String
        switch await tokens.token(keyJSON: key, scope: Self.scope, http: http, timeout: timeout, now: message.now) {
        case .success(let value): token = value
        case .failure(let failure): return failure.result
        }
        let request: ServiceHTTP.Request
        do { request = try Self.request(message, config: runtime.config, token: token) } catch { return ServiceHTTP.incomplete(error) }
        switch await http.exchange(request, timeout: timeout) {
        case .failed(let result): return result
        case .answered(let answer, let shown): return Self.verdict(answer, shown: shown)
        }
    }

    /// The publish request for `message`.
    static func request(_ message: OutboundMessage, config: ProviderConfig, token: String) throws -> ServiceHTTP.Request {
        let endpoint = ServiceHTTP.base(config.string("endpoint_url") ?? googleEndpoint)
        let url = endpoint + "/v1/projects/" + ServiceHTTP.pathSegment(try config.required("project_id")) + "/topics/"
            + ServiceHTTP.pathSegment(try config.required("topic_id")) + ":publish"
        var attributes: JSONObject = ["event_id": .string(message.eventID)]
        if let source = message.event?.sourceID { attributes["source_id"] = .string(source) }
        if let type = message.contentType { attributes["content_type"] = .string(type) }
        let body: JSON = ["messages": [["data": .string(Data(message.body).base64EncodedString()), "attributes": .object(attributes)]]]
        return ServiceHTTP.Request(
            method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")], body: body.serializedBytes())
    }

    /// A delivery when Pub/Sub answers 2xx with the message's ID.
    static func verdict(_ answer: ServiceHTTP.Answer, shown: JSONObject) -> ProviderResult {
        guard answer.isSuccess else {
            // `{"error": {"code": 404, "message": "Resource not found (resource=orders).", "status": "NOT_FOUND"}}`
            let error = answer.json?["error"]
            let status = error?["status"]?.stringValue ?? "HTTP \(answer.status)"
            let text = error?["message"]?.stringValue ?? String(answer.text.prefix(200))
            return ServiceHTTP.result(answer, shown: shown, error: "Pub/Sub error \(status): \(text) (HTTP \(answer.status))")
        }
        guard answer.json?["messageIds"]?.arrayValue?.first?.stringValue != nil else {
            return ServiceHTTP.result(
                answer, shown: shown, outcome: .rejected(statusCode: answer.status),
                error: "Pub/Sub's answer did not confirm the message was published (no messageIds): \(answer.text.prefix(200))")
        }
        return ServiceHTTP.result(answer, shown: shown)
    }
}
