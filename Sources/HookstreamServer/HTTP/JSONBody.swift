import Hummingbird
import JSONValue
import NIOCore

/// A management API request body: a JSON object with typed, validating accessors. Every
/// failure is an `APIError` 400 naming the field, raised before anything is written — an
/// unknown member included (see `BodyFields`).
struct JSONBody {
    let members: JSONObject

    init(members: JSONObject) { self.members = members }

    /// Reads the body and refuses any member `fields` does not accept.
    /// - Parameter allowEmpty: an empty body reads as `{}` (actions whose settings are optional).
    static func read(
        _ request: Request, context: AppRequestContext, limit: Int, fields: BodyFields, allowEmpty: Bool = false
    ) async throws -> JSONBody {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "Request body exceeds \(limit) bytes")
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return JSONBody(members: [:]) }
            throw APIError.badRequest("Request body must be a JSON object")
        }
        let value: JSON
        do {
            value = try JSON(parsing: buffer.readableBytesView)
        } catch {
            throw APIError.badRequest("Malformed JSON body: \(error)")
        }
        guard case .object(let members) = value else { throw APIError.badRequest("Request body must be a JSON object") }
        try fields.check(members)
        return JSONBody(members: members)
    }

    /// For an action that takes no settings (`retry`, `logout`): no body, or `{}`. A member
    /// is refused by name rather than ignored — the caller expected it to mean something.
    static func requireNone(_ request: Request, context: AppRequestContext, limit: Int) async throws {
        _ = try await read(request, context: context, limit: limit, fields: .none, allowEmpty: true)
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    /// Present and explicitly `null`.
    func isNull(_ key: String) -> Bool { members[key] == .null }

    func requiredString(_ key: String, maxLength: Int = 500) throws -> String {
        guard let value = try string(key, maxLength: maxLength) else { throw APIError.badRequest("'\(key)' is required") }
        return value
    }

    /// A string, or `nil` when absent or `null`. Empty strings are refused: they are never
    /// meaningful in this API and usually a client bug.
    func string(_ key: String, maxLength: Int = 500) throws -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw APIError.badRequest("'\(key)' must not be empty") }
            guard s.count <= maxLength else { throw APIError.badRequest("'\(key)' must be at most \(maxLength) characters") }
            return s
        default: throw APIError.badRequest("'\(key)' must be a string")
        }
    }

    func oneOf(_ key: String, _ allowed: [String], aliases: [String: String] = [:]) throws -> String? {
        guard let value = try string(key) else { return nil }
        if let canonical = aliases[value] { return canonical }
        guard allowed.contains(value) else {
            throw APIError.badRequest("'\(key)' must be one of: \(allowed.joined(separator: ", "))")
        }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        switch members[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw APIError.badRequest("'\(key)' must be a boolean")
        }
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard range.contains(n) else {
                throw APIError.badRequest("'\(key)' must be between \(JSNumberFormat.string(range.lowerBound)) and \(JSNumberFormat.string(range.upperBound))")
            }
            return n
        default: throw APIError.badRequest("'\(key)' must be a number")
        }
    }

    /// A list of strings given as a JSON array or a comma-separated string.
    func stringList(_ key: String) throws -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let elements)?:
            return try elements.map { element in
                guard case .string(let s) = element else { throw APIError.badRequest("'\(key)' must contain only strings") }
                return s.trimmingCharacters(in: .whitespaces)
            }
        default: throw APIError.badRequest("'\(key)' must be an array of strings or a comma-separated string")
        }
    }

    func object(_ key: String) throws -> JSON? {
        switch members[key] {
        case nil, .null?: return nil
        case .object(let o)?: return .object(o)
        case .bool(let b)?: return .bool(b)  // boolean schemas are valid JSON Schemas
        default: throw APIError.badRequest("'\(key)' must be an object")
        }
    }
}
