/// The generic signature methods a source's `verification_type` can name.
///
/// Both spellings the documentation uses are accepted (`hmac_sha256` and `hmac-sha256`, …);
/// ``rawValue`` is the underscore form the API answers with.
public enum VerificationType: String, Sendable, Equatable, CaseIterable, Codable {
    case hmacSHA256 = "hmac_sha256"
    case hmacSHA1 = "hmac_sha1"
    case standardWebhooks = "standard_webhooks"

    /// Parses either spelling, case-insensitively; `nil` for anything else.
    public init?(spelling: String) {
        let normalized = spelling.lowercased().replacingOccurrences(of: "-", with: "_")
        self.init(rawValue: normalized)
    }

    /// Parses a user-supplied `verification_type`.
    /// - Throws: ``PolicyValidationError`` naming the accepted values.
    public static func parse(_ value: String, field: String = "verification_type") throws(PolicyValidationError)
        -> VerificationType
    {
        guard let type = VerificationType(spelling: value) else {
            throw PolicyValidationError(
                field: field,
                message: "\(field) must be one of \"hmac_sha256\", \"hmac_sha1\", \"standard_webhooks\" (got \"\(value)\")"
            )
        }
        return type
    }
}

/// A configuration value that was rejected on create or update, with a message for the 400
/// error body (`{"error": message, …}`).
public struct PolicyValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request field at fault (`verification_type`, `ip_allowlist`, `dedup_field`, …).
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
