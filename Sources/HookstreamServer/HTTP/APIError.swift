public import HTTPTypes
public import JSONValue

/// An error answered with the standard body: `{"error", "status", "request_id"}`, plus any
/// extra members a particular failure carries (`validation_errors`, `code`, `position`).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var extra: JSONObject
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, extra: JSONObject = JSONObject(), headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }
}

extension APIError {
    /// The standard error body for this error, answered under `requestID`.
    func body(requestID: String) -> JSON {
        var body = JSONObject()
        body["error"] = .string(message)
        body["status"] = .number(Double(status.code))
        body["request_id"] = .string(requestID)
        for (key, value) in extra { body[key] = value }
        return .object(body)
    }
}
