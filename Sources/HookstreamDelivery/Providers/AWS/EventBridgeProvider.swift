import Foundation
import HookstreamCore
import JSONValue

/// The `aws_eventbridge` type: one `PutEvents` entry per delivery with `Source`, `DetailType`,
/// `Detail` and `EventBusName` (the configured ARN or name, `default` for the default bus).
///
/// `Detail` must be a JSON object: a JSON object body goes as is; any other body is wrapped
/// as `{"body": …}` (JSON as JSON, text as a string, other bytes base64 with
/// `body_encoding`) so rules can still match on it. `PutEvents` answers 200 even when the entry
/// failed; a `FailedEntryCount` above zero is a failed attempt carrying the entry's
/// `ErrorCode` and `ErrorMessage`.
enum EventBridgePutEvents: AWSOperation {
    static let service = "events"

    static func request(_ message: OutboundMessage, config: ProviderConfig) throws -> SigV4.Request {
        let entry: JSONObject = [
            "Source": .string(try config.required("source")), "DetailType": .string(try config.required("detail_type")),
            "Detail": .string(detail(message.body).serialized()), "EventBusName": .string(try config.required("event_bus_arn")),
        ]
        return SigV4.Request(
            method: "POST", url: AWSSettings.endpoint(config, service: "events") + "/",
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AWSEvents.PutEvents")],
            body: JSON.object(["Entries": [.object(entry)]]).serializedBytes())
    }

    static func detail(_ body: [UInt8]) -> JSON {
        if case .object? = try? JSON(parsing: body) { return (try? JSON(parsing: body)) ?? .null }
        if let json = try? JSON(parsing: body) { return ["body": json] }
        if let text = String(validating: body, as: UTF8.self) { return ["body": .string(text)] }
        return ["body": .string(Data(body).base64EncodedString()), "body_encoding": "base64"]
    }

    /// A 200 whose entry failed is a rejected delivery.
    static func inspect(_ answer: AWSTransport.Answer) -> ProviderResult? {
        guard case .object(let object)? = try? JSON(parsing: answer.body), let failed = object["FailedEntryCount"]?.numberValue, failed > 0 else {
            return nil
        }
        let entry = object["Entries"]?[0]
        let code = entry?["ErrorCode"]?.stringValue ?? "FailedEntry"
        let reason = entry?["ErrorMessage"]?.stringValue ?? "the entry was not accepted"
        return ProviderResult(
            outcome: .rejected(statusCode: answer.status), error: "EventBridge did not accept the event: \(code): \(reason)")
    }
}
