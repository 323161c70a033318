import Foundation
import HookstreamCore
import JSONValue

/// The `rabbitmq` type: one publish per delivery through the management API,
/// `POST {url}/api/exchanges/{vhost}/{exchange}/publish` with basic auth.
///
/// The message is persistent (`delivery_mode: 2`) with the configured routing key, the body's
/// content type, the event ID as `message_id` and the event and source IDs as headers. The
/// body goes as a string when it is UTF-8 and base64 otherwise (`payload_encoding`), so
/// consumers receive the bytes as ingested. RabbitMQ answers 200 `{"routed": false}` when no
/// queue is bound for the routing key — the message is dropped — so only `{"routed": true}`
/// is a delivery.
enum RabbitMQPublish: ServiceRequest {
    static func request(_ message: OutboundMessage, config: ProviderConfig, destinationID: String) throws -> ServiceHTTP.Request {
        let url = ServiceHTTP.base(try config.required("url")) + "/api/exchanges/"
            + ServiceHTTP.pathSegment(config.string("vhost") ?? "/") + "/" + ServiceHTTP.pathSegment(try config.required("exchange")) + "/publish"
        return ServiceHTTP.Request(
            method: "POST", url: url,
            headers: [
                ("Content-Type", "application/json"),
                ServiceHTTP.basicAuthorization(user: try config.required("username"), password: try config.required("password")),
            ],
            body: publishBody(message, routingKey: config.string("routing_key") ?? "").serializedBytes())
    }

    /// The management API's publish body.
    static func publishBody(_ message: OutboundMessage, routingKey: String) -> JSON {
        var headers: JSONObject = ["hookstream-event-id": .string(message.eventID)]
        if let source = message.event?.sourceID { headers["hookstream-source-id"] = .string(source) }
        let properties: JSONObject = [
            "content_type": .string(message.contentType ?? "application/octet-stream"), "delivery_mode": 2,
            "message_id": .string(message.eventID), "headers": .object(headers),
        ]
        let text = String(validating: message.body, as: UTF8.self)
        return [
            "properties": .object(properties), "routing_key": .string(routingKey),
            "payload": .string(text ?? Data(message.body).base64EncodedString()), "payload_encoding": text == nil ? "base64" : "string",
        ]
    }

    /// A delivery only when RabbitMQ says it routed the message.
    static func verdict(_ answer: ServiceHTTP.Answer, shown: JSONObject, config: ProviderConfig) -> ProviderResult {
        guard answer.isSuccess else {
            // `{"error": "bad_request", "reason": "404 NOT_FOUND - no exchange 'x' in vhost '/'"}`
            let error = answer.json?["error"]?.stringValue ?? "HTTP \(answer.status)"
            let reason = answer.json?["reason"]?.stringValue ?? String(answer.text.prefix(200))
            return ServiceHTTP.result(answer, shown: shown, error: "RabbitMQ error \(error): \(reason) (HTTP \(answer.status))")
        }
        guard answer.json?["routed"] == .bool(true) else {
            let exchange = config.string("exchange") ?? ""
            let key = config.string("routing_key") ?? ""
            let error = answer.json?["routed"] == .bool(false)
                ? "RabbitMQ did not route the message: no queue is bound to exchange '\(exchange)' for routing key '\(key)' (routed: false)"
                : "RabbitMQ's answer did not confirm the message was routed: \(answer.text.prefix(200))"
            return ServiceHTTP.result(answer, shown: shown, outcome: .rejected(statusCode: answer.status), error: error)
        }
        return ServiceHTTP.result(answer, shown: shown)
    }
}
