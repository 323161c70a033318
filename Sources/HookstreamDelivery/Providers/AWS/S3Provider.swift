import Crypto
import Foundation
import HookstreamCore
import JSONValue

/// The `aws_s3` type: one `PutObject` per delivery, key `{prefix}{YYYY}/{MM}/{DD}/{event_id}.json`
/// (the day the event was received, UTC).
///
/// - `format: json` (default): the object is the event as JSON — `event_id`, `source_id`,
///   `method`, `headers`, `body` (the JSON body as JSON, other text as a string, anything
///   else base64 with `body_encoding: "base64"`), `received_at` — as `application/json`.
/// - `format: raw`: the body byte for byte with its own content type (`application/octet-stream`
///   when it has none); the key ends in `.json` for a JSON body and `.bin` otherwise.
///
/// Addressing: path-style (`{endpoint}/{bucket}/{key}`) with `endpoint_url` (moto, MinIO,
/// LocalStack) or a bucket name with dots (its virtual host would not match the wildcard
/// certificate); virtual-hosted (`https://{bucket}.s3.{region}.amazonaws.com/{key}`) otherwise.
/// Like AWS's SDKs for `PutObject`, the payload is signed over http and sent as
/// `UNSIGNED-PAYLOAD` with a `Content-MD5` over https.
enum S3PutObject: AWSOperation {
    static let service = "s3"

    /// Like AWS's SDKs for `PutObject`: signed over http, `UNSIGNED-PAYLOAD` (with
    /// `Content-MD5`) over https.
    static func payload(for request: SigV4.Request) -> SigV4.Payload {
        request.url.lowercased().hasPrefix("https:") ? .unsigned : .signed
    }

    /// The `PutObject` request for `message`.
    static func request(_ message: OutboundMessage, config: ProviderConfig) throws -> SigV4.Request {
        let bucket = try config.required("bucket")
        let raw = config.string("format") == "raw"
        let isJSON = (try? JSON(parsing: message.body)) != nil
        let key = objectKey(prefix: config.string("prefix") ?? "", eventID: message.eventID, receivedAt: receivedAt(message), ext: raw && !isJSON ? "bin" : "json")
        let body = raw ? message.body : objectJSON(message).serializedBytes()
        let contentType = raw ? (message.contentType ?? "application/octet-stream") : "application/json"
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        return SigV4.Request(
            method: "PUT", url: objectURL(bucket: bucket, key: key, config: config),
            headers: [("Content-Type", contentType), ("Content-MD5", md5)], body: body)
    }

    static func objectKey(prefix: String, eventID: String, receivedAt: Date, ext: String) -> String {
        let day = String(SigV4.timestampString(receivedAt).prefix(8))
        return "\(prefix)\(day.prefix(4))/\(day.dropFirst(4).prefix(2))/\(day.suffix(2))/\(eventID).\(ext)"
    }

    static func objectURL(bucket: String, key: String, config: ProviderConfig) -> String {
        let path = SigV4.encode(key, keepingSlash: true)
        if config.string("endpoint_url") != nil || bucket.contains(".") {
            return "\(AWSSettings.endpoint(config, service: "s3"))/\(bucket)/\(path)"
        }
        let region = config.string("region") ?? "us-east-1"
        return "https://\(bucket).s3.\(region).amazonaws.com\(region.hasPrefix("cn-") ? ".cn" : "")/\(path)"
    }

    /// The event as the spec's object format shows it.
    static func objectJSON(_ message: OutboundMessage) -> JSON {
        var object: JSONObject = ["event_id": .string(message.eventID)]
        object["source_id"] = message.event.map { .string($0.sourceID) } ?? .null
        object["method"] = message.event.map { .string($0.method) } ?? .null
        object["headers"] = .object(message.event?.headers ?? [:])
        if let json = try? JSON(parsing: message.body) {
            object["body"] = json
        } else if let text = String(validating: message.body, as: UTF8.self) {
            object["body"] = message.body.isEmpty ? .null : .string(text)
        } else {
            object["body"] = .string(Data(message.body).base64EncodedString())
            object["body_encoding"] = "base64"
        }
        object["content_type"] = message.contentType.map(JSON.string) ?? .null
        object["received_at"] = .string(Timestamp.iso(receivedAt(message)))
        return .object(object)
    }

    static func receivedAt(_ message: OutboundMessage) -> Date {
        message.event.map { Date(timeIntervalSince1970: Double($0.receivedAt) / 1000) } ?? message.now
    }
}
