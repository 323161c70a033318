import Foundation
import HookstreamCore
import JSONSchema
import JSONValue

/// Reads a source's verification, dedup, IP and schema settings from a create or update body.
/// Each group is merged over what the source already has and validated whole by the policy
/// code in `HookstreamCore`, before anything is changed: a bad field leaves the source as it was.
struct SourceSettings {
    let deps: ServerDependencies

    static let schemaActions = ["reject", "warn"]

    /// What a create or update body may hold (`name` and `slug` are read by the routes).
    /// `json_schema` is the user's schema, not checked member by member.
    static let fields: BodyFields = [
        "name", "slug", "status", "template", "verification_type", "verification_header", "verification_secret",
        "previous_secret_expires_at", "dedup_strategy", "dedup_field", "dedup_window_seconds", "ip_allowlist", "ip_denylist",
        "schema_validation_enabled", "json_schema", "schema_action", "type", "connection_uri", "tables", "snapshot",
    ]

    func apply(_ body: JSONBody, to source: inout Source, creating: Bool, now: Int64) throws {
        var updated = source
        guard Slug.isValid(updated.slug) else {
            throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens")
        }
        if body.has("status") {
            updated.status = try body.oneOf("status", Source.Status.allCases.map(\.rawValue)).flatMap(Source.Status.init(rawValue:)) ?? .active
        }
        do {
            try applyVerification(body, to: &updated, creating: creating, now: now)
            try applyDedup(body, to: &updated)
            for key in ["ip_allowlist", "ip_denylist"] where body.has(key) {
                let list = try IPRangeList.parse(body.members[key], field: key)
                let entries: [String]? = body.isNull(key) ? nil : list.entries
                if key == "ip_allowlist" { updated.ipAllowlist = entries } else { updated.ipDenylist = entries }
            }
        } catch let error as PolicyValidationError {
            throw APIError.badRequest(error.message)
        }
        try applySchema(body, to: &updated)
        source = updated
    }

    private func applyVerification(_ body: JSONBody, to s: inout Source, creating: Bool, now: Int64) throws {
        let keys = ["verification_type", "template", "verification_header", "verification_secret", "previous_secret_expires_at"]
        guard creating || keys.contains(where: body.has) else { return }
        let schemeChanged = body.has("verification_type") || body.has("template")
        let template = body.has("template") ? try body.string("template") : s.template
        var type = body.has("verification_type") ? try body.string("verification_type") : s.verificationType
        if body.has("template"), !body.has("verification_type") {
            // A provider template brings its own scheme; `custom` is generic HMAC unless a
            // type is given, as the template catalogue advertises.
            type = template.flatMap(SourceTemplate.named).map(\.verificationType)
        }
        let header = body.has("verification_header") ? try body.string("verification_header", maxLength: 100) : (schemeChanged ? nil : s.verificationHeader)
        let newSecret = body.has("verification_secret") ? try body.string("verification_secret", maxLength: 4000) : nil
        let secret = body.has("verification_secret") ? newSecret : try s.sealedSecret.map { try deps.secrets.open($0) }
        let settings = try VerificationSettings.validate(verificationType: type, template: template, header: header, secret: secret)
        s.template = settings.template
        s.verificationType = settings.verificationType
        s.verificationHeader = settings.header
        if body.has("verification_secret") {
            // Rotation: with an expiry in the future the old secret keeps verifying until then.
            let expiry = try body.string("previous_secret_expires_at").map { text -> Int64 in
                guard let date = Timestamp.parse(text) else {
                    throw APIError.badRequest("'previous_secret_expires_at' must be an ISO 8601 date-time")
                }
                return Timestamp.millis(date)
            }
            if let expiry, expiry > now, let old = s.sealedSecret {
                s.sealedPreviousSecret = old
                s.previousSecretExpiresAt = expiry
            } else {
                s.sealedPreviousSecret = nil
                s.previousSecretExpiresAt = nil
            }
            s.sealedSecret = try newSecret.map { try deps.secrets.seal($0) }
        } else if body.has("previous_secret_expires_at") {
            throw APIError.badRequest("'previous_secret_expires_at' is only meaningful with a new 'verification_secret'")
        }
    }

    private func applyDedup(_ body: JSONBody, to s: inout Source) throws {
        guard ["dedup_strategy", "dedup_field", "dedup_window_seconds"].contains(where: body.has) else { return }
        let strategy = body.has("dedup_strategy") ? try body.string("dedup_strategy") : s.dedupStrategy
        let field = body.has("dedup_field") ? try body.string("dedup_field", maxLength: 200) : s.dedupField
        let window = try body.number("dedup_window_seconds", in: 0.001...2_592_000) ?? s.dedupWindowSeconds
        let settings = try DedupSettings.validate(strategy: strategy, field: field, windowSeconds: window)
        s.dedupStrategy = settings?.strategy.rawValue
        s.dedupField = settings?.field
        s.dedupWindowSeconds = settings?.windowSeconds ?? window
    }

    private func applySchema(_ body: JSONBody, to s: inout Source) throws {
        if let enabled = try body.bool("schema_validation_enabled") { s.schemaValidationEnabled = enabled }
        if body.has("schema_action") { s.schemaAction = try body.oneOf("schema_action", Self.schemaActions) ?? "reject" }
        if body.has("json_schema") {
            let schema = try body.object("json_schema")
            if let schema {
                do {
                    _ = try JSONSchema(schema)
                } catch let error as JSONSchemaError {
                    throw APIError.badRequest("'json_schema' is not a valid JSON Schema: \(error)")
                }
            }
            s.jsonSchema = schema
        }
        if s.schemaValidationEnabled, s.jsonSchema == nil {
            throw APIError.badRequest("'json_schema' is required when schema validation is enabled")
        }
    }
}
