import Foundation
import JSONValue

/// How a source recognises a repeated delivery of the same event.
public enum DedupStrategy: String, Sendable, Equatable, CaseIterable, Codable {
    /// SHA-256 of the raw body.
    case payloadHash = "payload_hash"
    /// The value of a request header named by `dedup_field` (e.g. `X-GitHub-Delivery`).
    case headerField = "header_field"
    /// The value at a dot path into the JSON body named by `dedup_field` (e.g. `data.id`).
    case bodyField = "body_field"

    /// Accepts the underscore names and their `-` spellings, case-insensitively.
    public init?(spelling: String) {
        self.init(rawValue: spelling.lowercased().replacingOccurrences(of: "-", with: "_"))
    }
}

/// A source's validated dedup configuration.
///
/// ```swift
/// let settings = try DedupSettings.validate(strategy: "body_field", field: "data.id", windowSeconds: nil)
/// settings?.key(headers: request.headers, body: request.body)   // "pay_xyz789"
/// ```
public struct DedupSettings: Sendable, Equatable {
    /// Five minutes, the spec's default window.
    public static let defaultWindowSeconds: Double = 300

    public let strategy: DedupStrategy
    /// The header name (`header_field`) or body path (`body_field`); `nil` for `payload_hash`.
    public let field: String?
    /// How long a key is remembered, in seconds (fractions allowed so tests can be quick).
    public let windowSeconds: Double

    let path: DedupPath?

    /// Validates a source's dedup settings as given to `POST/PATCH /v1/sources`.
    ///
    /// - Returns: `nil` when `strategy` is `nil` (the source does not deduplicate).
    /// - Throws: ``PolicyValidationError`` for an unknown strategy, a missing or malformed
    ///   `dedup_field` for the field strategies, or a window that is not a positive number.
    public static func validate(
        strategy: String?,
        field: String?,
        windowSeconds: Double?
    ) throws(PolicyValidationError) -> DedupSettings? {
        guard let strategy else { return nil }
        guard let parsed = DedupStrategy(spelling: strategy) else {
            throw PolicyValidationError(
                field: "dedup_strategy",
                message: #"dedup_strategy must be one of "payload_hash", "header_field", "body_field" (got "\#(strategy)")"#
            )
        }
        let window = windowSeconds ?? defaultWindowSeconds
        guard window.isFinite, window > 0 else {
            throw PolicyValidationError(
                field: "dedup_window_seconds", message: "dedup_window_seconds must be a positive number of seconds"
            )
        }
        switch parsed {
        case .payloadHash:
            return DedupSettings(strategy: parsed, field: nil, windowSeconds: window, path: nil)
        case .headerField:
            guard let field, !field.isEmpty else { throw missingField(parsed) }
            guard OutboundSigningConfig.isToken(field) else {
                throw PolicyValidationError(field: "dedup_field", message: "dedup_field must be a valid HTTP header name (got \"\(field)\")")
            }
            return DedupSettings(strategy: parsed, field: field, windowSeconds: window, path: nil)
        case .bodyField:
            guard let field, !field.isEmpty else { throw missingField(parsed) }
            guard let path = DedupPath(field) else {
                throw PolicyValidationError(
                    field: "dedup_field",
                    message: "dedup_field must be a dot path into the JSON body such as \"data.id\" or \"items[0].id\" (got \"\(field)\")"
                )
            }
            return DedupSettings(strategy: parsed, field: field, windowSeconds: window, path: path)
        }
    }

    /// Reads and validates `dedup_strategy`, `dedup_field` and `dedup_window_seconds` from a
    /// create/update request body, checking their JSON types first (absent or `null` members
    /// count as not given).
    public static func validate(request object: JSONObject) throws(PolicyValidationError) -> DedupSettings? {
        func string(_ name: String) throws(PolicyValidationError) -> String? {
            switch object[name] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw PolicyValidationError(field: name, message: "\(name) must be a string")
            }
        }
        var window: Double?
        switch object["dedup_window_seconds"] {
        case nil, .null?: window = nil
        case .number(let value)?: window = value
        default:
            throw PolicyValidationError(field: "dedup_window_seconds", message: "dedup_window_seconds must be a number")
        }
        return try validate(strategy: try string("dedup_strategy"), field: try string("dedup_field"), windowSeconds: window)
    }

    private static func missingField(_ strategy: DedupStrategy) -> PolicyValidationError {
        let what = strategy == .headerField ? "the header name" : "the JSON body path"
        return PolicyValidationError(
            field: "dedup_field", message: "dedup_field (\(what)) is required when dedup_strategy is \"\(strategy.rawValue)\""
        )
    }
}
