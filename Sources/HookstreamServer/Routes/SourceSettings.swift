import Foundation
import HookstreamCore
import JSONValue

/// Reads a source's verification, dedup, IP and schema settings from a create or update body,
/// validating everything before the source is touched: a bad field leaves it unchanged.
struct SourceSettings {
    let deps: ServerDependencies

    static let verificationTypes = ["hmac_sha256", "hmac_sha1", "standard_webhooks"]
    static let verificationAliases = ["hmac-sha256": "hmac_sha256", "hmac-sha1": "hmac_sha1", "standard-webhooks": "standard_webhooks"]
    static let dedupStrategies = ["payload_hash", "header_field", "body_field"]
    static let schemaActions = ["reject", "warn"]

    func apply(_ body: JSONBody, to source: inout Source, creating: Bool, now: Int64) throws {
        var updated = source
        guard Slug.isValid(updated.slug) else {
            throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens")
        }
        if body.has("status") {
            updated.status = try body.oneOf("status", ["active", "paused"]) ?? "active"
        }
        try applyVerification(body, to: &updated, creating: creating, now: now)
        try applyDedup(body, to: &updated)
        if body.has("ip_allowlist") { updated.ipAllowlist = try ipList(body, "ip_allowlist") }
        if body.has("ip_denylist") { updated.ipDenylist = try ipList(body, "ip_denylist") }
        try applySchema(body, to: &updated)
        source = updated
    }

    private func applyVerification(_ body: JSONBody, to s: inout Source, creating: Bool, now: Int64) throws {
        if body.has("template") {
            if let id = try body.string("template") {
                guard let template = SourceTemplate.named(id) else {
                    throw APIError.badRequest("'template' must be one of: \(SourceTemplate.all.map(\.id).joined(separator: ", "))")
                }
                s.template = template.id
                s.verificationType = template.verificationType
                s.verificationHeader = template.verificationHeader
            } else {
                s.template = nil
            }
        }
        if body.has("verification_type") {
            let type = try body.oneOf("verification_type", Self.verificationTypes, aliases: Self.verificationAliases)
            if s.template != nil, type != nil, !body.has("template") {
                // An explicit generic type replaces the template's provider-specific scheme.
                s.template = nil
            }
            if s.template == nil { s.verificationType = type }
            if type == nil, s.template == nil { s.verificationHeader = nil }
        }
        if body.has("verification_header") { s.verificationHeader = try body.string("verification_header", maxLength: 100) }
        if body.has("verification_secret") {
            let secret = try body.string("verification_secret", maxLength: 1000)
            let previousExpiry = try body.string("previous_secret_expires_at").map { text -> Int64 in
                guard let date = Timestamp.parse(text) else {
                    throw APIError.badRequest("'previous_secret_expires_at' must be an ISO 8601 date-time")
                }
                return Timestamp.millis(date)
            }
            if let previousExpiry, previousExpiry > now, let old = s.sealedSecret {
                s.sealedPreviousSecret = old
                s.previousSecretExpiresAt = previousExpiry
            } else {
                s.sealedPreviousSecret = nil
                s.previousSecretExpiresAt = nil
            }
            s.sealedSecret = try secret.map { try deps.secrets.seal($0) }
        } else if body.has("previous_secret_expires_at") {
            throw APIError.badRequest("'previous_secret_expires_at' is only meaningful with a new 'verification_secret'")
        }
        if s.verificationType != nil, s.sealedSecret == nil, creating || body.has("verification_type") || body.has("template") {
            throw APIError.badRequest("'verification_secret' is required when verification is enabled")
        }
    }

    private func applyDedup(_ body: JSONBody, to s: inout Source) throws {
        if body.has("dedup_strategy") { s.dedupStrategy = try body.oneOf("dedup_strategy", Self.dedupStrategies) }
        if body.has("dedup_field") { s.dedupField = try body.string("dedup_field", maxLength: 200) }
        if let window = try body.number("dedup_window_seconds", in: 0.001...2_592_000) { s.dedupWindowSeconds = window }
        if let strategy = s.dedupStrategy, strategy != "payload_hash", s.dedupField == nil {
            throw APIError.badRequest("'dedup_field' is required with dedup_strategy '\(strategy)'")
        }
    }

    private func applySchema(_ body: JSONBody, to s: inout Source) throws {
        if let enabled = try body.bool("schema_validation_enabled") { s.schemaValidationEnabled = enabled }
        if body.has("schema_action") { s.schemaAction = try body.oneOf("schema_action", Self.schemaActions) ?? "reject" }
        if body.has("json_schema") { s.jsonSchema = try body.object("json_schema") }
        if s.schemaValidationEnabled, s.jsonSchema == nil {
            throw APIError.badRequest("'json_schema' is required when schema validation is enabled")
        }
    }

    private func ipList(_ body: JSONBody, _ key: String) throws -> [String]? {
        guard let entries = try body.stringList(key) else { return nil }
        for entry in entries where !IPEntry.isValid(entry) {
            throw APIError.badRequest("'\(key)' has an invalid IP address or CIDR range: '\(entry)'")
        }
        return entries
    }
}
