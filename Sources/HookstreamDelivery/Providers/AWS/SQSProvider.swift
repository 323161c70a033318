import Foundation
import HookstreamCore
import JSONValue

/// The `aws_sqs` type: one `SendMessage` per delivery, over SQS's JSON protocol (what current
/// AWS SDKs speak), signed with SigV4.
///
/// The message body is the event body as text; a body that is not UTF-8 goes base64-encoded
/// with the attribute `hookstream-body-encoding: base64` (SQS accepts only XML-safe text).
/// Attributes also carry the event and source IDs and the content type, for consumers that
/// filter or decode. On a FIFO queue the group is `message_group_id` and the deduplication ID
/// is the event ID, so a retry or replay of one event inside SQS's five-minute window is
/// enqueued once.
enum SQSSendMessage: AWSOperation {
    static let service = "sqs"

    /// The `SendMessage` request for `message`.
    static func request(_ message: OutboundMessage, config: ProviderConfig) throws -> SigV4.Request {
        let queueURL = try config.required("queue_url")
        var attributes: JSONObject = ["hookstream-event-id": attribute(message.eventID)]
        if let source = message.event?.sourceID { attributes["hookstream-source-id"] = attribute(source) }
        if let contentType = message.contentType { attributes["content-type"] = attribute(contentType) }
        let text: String
        if let utf8 = String(validating: message.body, as: UTF8.self), utf8.unicodeScalars.allSatisfy(isAllowed) {
            text = utf8
        } else {
            text = Data(message.body).base64EncodedString()
            attributes["hookstream-body-encoding"] = attribute("base64")
        }
        var body: JSONObject = ["QueueUrl": .string(queueURL), "MessageBody": .string(text), "MessageAttributes": .object(attributes)]
        if let group = config.string("message_group_id") {
            body["MessageGroupId"] = .string(group)
            body["MessageDeduplicationId"] = .string(message.eventID)
        }
        let endpoint = config.string("endpoint_url") == nil ? origin(queueURL) : AWSSettings.endpoint(config, service: "sqs")
        return SigV4.Request(
            method: "POST", url: endpoint + "/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.SendMessage")],
            body: JSON.object(body).serializedBytes())
    }

    private static func attribute(_ value: String) -> JSON { ["DataType": "String", "StringValue": .string(value)] }

    /// The characters SQS accepts in a message: #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD,
    /// #x10000–#x10FFFF.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// `scheme://host[:port]` of the queue URL: the service endpoint the queue lives at.
    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// The queue's name: the last path segment after the account.
    static func queueName(_ url: String) -> String? {
        guard let path = URLComponents(string: url)?.path else { return nil }
        let segments = path.split(separator: "/")
        guard segments.count >= 2, let name = segments.last, !name.isEmpty else { return nil }
        return String(name)
    }
}
