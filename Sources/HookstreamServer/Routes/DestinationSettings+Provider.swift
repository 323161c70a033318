import Foundation
import HookstreamCore
import HookstreamDelivery
import JSONValue

/// A create or update body's `config`, split into the generic delivery settings and the
/// provider settings of the destination's type.
///
/// Provider fields are accepted where the spec and the API reference put them: flat inside
/// `config` (`config.queue_url`, the provider pages' form) and inside `provider_config`, at
/// the top level or in `config` (the API reference's form). A field the type's schema declares
/// wins over a generic setting of the same name (RabbitMQ's `url` is its management API, not
/// a delivery URL). Anything else in `config` is a generic setting, checked as before.
struct ProviderSettingsInput {
    /// The generic settings found in `config` (`nil` when the body has no `config`).
    var settings: JSONObject?
    /// The provider fields given, as the body spelled them.
    var provider: JSONObject = [:]
    /// Top-level names that were taken as provider fields, not generic settings.
    var claimed: Set<String> = []

    init(body: JSONBody, schema: ProviderConfigSchema?) throws {
        let config: JSONObject?
        switch body.members["config"] {
        case nil, .null?: config = nil
        case .object(let o)?: config = o
        default: throw APIError.badRequest("'config' must be an object")
        }
        guard let schema else {
            if let config { try DestinationSettings.settingsFields.check(config, path: "config") }
            settings = config
            return
        }
        let declared = Set(schema.fieldNames)
        let generic = DestinationSettings.settingsFields.members
        var settings = JSONObject()
        for (name, value) in config ?? [:] {
            if name == "provider_config" {
                try take(providerConfig: value, path: "config.provider_config")
            } else if declared.contains(name) || generic[name] == nil {
                // Unknown names land here too: the schema refuses them listing its fields.
                provider[name] = value
            } else {
                settings[name] = value
            }
        }
        if let value = body.members["provider_config"] { try take(providerConfig: value, path: "provider_config") }
        for name in declared where generic[name] != nil {
            guard let value = body.members[name] else { continue }
            provider[name] = provider[name] ?? value
            claimed.insert(name)
        }
        try DestinationSettings.settingsFields.check(settings, path: "config")
        self.settings = config == nil ? nil : settings
    }

    private mutating func take(providerConfig value: JSON, path: String) throws {
        guard case .object(let fields) = value else { throw APIError.badRequest("'\(path)' must be an object") }
        for (name, value) in fields where provider[name] == nil { provider[name] = value }
    }
}

extension DestinationSettings {
    /// Validates the provider fields given over the stored ones and stores them sealed. On a
    /// new destination or a change of type the stored settings start empty, and the generic
    /// HTTP settings are dropped (they would never be used again).
    func applyProviderConfig(_ given: JSONObject, schema: ProviderConfigSchema, typeChanged: Bool, to d: inout Destination) throws {
        if !typeChanged, given.isEmpty { return }
        let current = typeChanged ? ProviderConfig() : try schema.opened(d.providerConfig, secrets: deps.secrets)
        let validated: ProviderConfig
        do {
            validated = try schema.validate(given, over: current)
        } catch let error as ProviderConfigError {
            throw APIError.badRequest(error.message)
        }
        // Literal addresses are judged now, as for an HTTP destination's URL; names when
        // each request is sent.
        for named in schema.namedHosts(validated) {
            if let refusal = deps.configuration.outboundPolicy.refusal(host: named.host, for: .organization) {
                throw APIError.badRequest("'config.\(named.field)' is refused by the outbound policy: \(refusal)")
            }
        }
        d.providerConfig = try schema.sealed(validated, secrets: deps.secrets)
        if typeChanged {
            d.url = nil
            d.method = "POST"
            d.sealedHeaders = nil
            d.sealedSigningConfig = nil
        }
    }

    /// The provider settings as responses show them: credentials masked; `nil` for types
    /// without a schema.
    func maskedProviderConfig(_ d: Destination) -> JSONObject? {
        schema(for: d.type).map { $0.masked(d.providerConfig, secrets: deps.secrets) }
    }
}
