import HookstreamCore
public import Hummingbird
public import JSONValue
import NIOCore

extension JSON: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(self)
    }
}

extension Response {
    /// A JSON response. Our own writer is used instead of `JSONEncoder` so member order, nulls
    /// and number formatting are exactly what the API documents.
    public static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        json(bytes: value.serializedBytes(), status: status, headers: headers)
    }

    public static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Builds a JSON object whose members may include pre-serialized JSON text, so an event body
/// that arrived as JSON is returned byte for byte (no precision lost on large integers).
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    mutating func member(_ key: String, _ value: JSON) {
        separator(key)
        value.write(to: &bytes)
    }

    mutating func member(_ key: String, rawJSON: [UInt8]) {
        separator(key)
        bytes.append(contentsOf: rawJSON)
    }

    private mutating func separator(_ key: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSON.writeString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    func finished() -> [UInt8] { bytes + [UInt8(ascii: "}")] }
}

extension JSON {
    /// An ISO 8601 timestamp from Unix milliseconds, or `null`.
    static func timestamp(_ millis: Int64?) -> JSON {
        millis.map { .string(Timestamp.iso(millis: $0)) } ?? .null
    }
}
