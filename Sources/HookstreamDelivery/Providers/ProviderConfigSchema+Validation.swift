public import HookstreamCore
public import JSONValue

extension ProviderConfigSchema {
    /// Validates the settings a create or update body gives, on top of the stored ones.
    ///
    /// - `current` is empty on create and when the type changes; on update the body changes
    ///   only the fields it names (`null` removes an optional one), so a PATCH of `region`
    ///   keeps the credentials.
    /// - A credential given as exactly its own mask keeps the stored value: a client that
    ///   sends back what GET showed must not replace the secret with its mask.
    /// - Returns: every field in schema order, defaults applied.
    /// - Throws: ``ProviderConfigError`` naming the first field refused.
    public func validate(_ given: JSONObject, over current: ProviderConfig = ProviderConfig()) throws -> ProviderConfig {
        var merged = current.values
        for (name, value) in given {
            guard let field = field(name) else {
                throw ProviderConfigError(
                    field: name, "Unknown field 'config.\(name)' for \(DestinationTypes.destinationPhrase(type)); accepted: \(fieldNames.joined(separator: ", "))")
            }
            if value == .null {
                merged[name] = nil
                continue
            }
            if field.isSecret, case .string(let shown) = value, let stored = current.string(name), shown == SecretBox.mask(stored) { continue }
            merged[name] = try Self.normalized(value, for: field)
        }
        var ordered = JSONObject()
        for field in fields {
            if let value = merged[field.name] {
                ordered[field.name] = value
            } else if let value = field.defaultValue {
                ordered[field.name] = value
            } else if field.isRequired {
                throw ProviderConfigError(field: field.name, "'config.\(field.name)' is required for \(DestinationTypes.destinationPhrase(type))")
            }
        }
        let config = ProviderConfig(ordered)
        try check(config)
        return config
    }

    static func normalized(_ value: JSON, for field: Field) throws -> JSON {
        let name = "'config.\(field.name)'"
        switch field.kind {
        case .string(let maxLength):
            guard case .string(let text) = value, !text.isEmpty, text.count <= maxLength, !text.contains(where: \.isNewline) else {
                throw ProviderConfigError(field: field.name, "\(name) must be a non-empty single-line string of at most \(maxLength) characters")
            }
        case .text(let maxLength):
            guard case .string(let text) = value, text.count <= maxLength, !text.contains(where: \.isNewline) else {
                throw ProviderConfigError(field: field.name, "\(name) must be a single-line string of at most \(maxLength) characters")
            }
        case .url:
            guard case .string(let text) = value, text.count <= 2048, OutboundURLShape.isAbsoluteHTTP(text) else {
                throw ProviderConfigError(field: field.name, "\(name) must be an absolute http(s) URL")
            }
        case .oneOf(let allowed):
            guard case .string(let text) = value, allowed.contains(text) else {
                throw ProviderConfigError(field: field.name, "\(name) must be one of: \(allowed.joined(separator: ", "))")
            }
        case .bool:
            guard case .bool = value else { throw ProviderConfigError(field: field.name, "\(name) must be true or false") }
        case .integer(let range):
            guard case .number(let n) = value, n == n.rounded(), range.contains(Int(exactly: n) ?? range.lowerBound - 1) else {
                throw ProviderConfigError(field: field.name, "\(name) must be an integer between \(range.lowerBound) and \(range.upperBound)")
            }
        case .secret:
            switch value {
            case .string(let text) where !text.isEmpty && text.utf8.count <= 16384: return value
            case .object where value.serialized().utf8.count <= 16384: return .string(value.serialized())
            default: throw ProviderConfigError(field: field.name, "\(name) must be a non-empty string")
            }
        }
        return value
    }

    /// A service's base URL, to which the provider appends its API paths: a query or a
    /// fragment there would end up in the middle of every request URL.
    static func checkBaseURL(_ config: ProviderConfig, _ field: String, of service: String) throws {
        guard let url = config.string(field) else { return }
        if url.contains("?") || url.contains("#") {
            throw ProviderConfigError(field: field, "'config.\(field)' must be \(service)'s base URL, without a query or fragment")
        }
    }

    // MARK: - At rest and on display

    /// The form stored: credentials sealed with the master key, the rest as validated.
    public func sealed(_ config: ProviderConfig, secrets: SecretBox) throws -> JSON {
        var stored = config.values
        for name in secretFields {
            if case .string(let plain)? = stored[name] { stored[name] = .string(try secrets.seal(plain)) }
        }
        return .object(stored)
    }

    /// The stored form with its credentials opened, for the provider and for merging updates.
    /// - Throws: when a credential cannot be opened (another master key).
    public func opened(_ stored: JSON?, secrets: SecretBox) throws -> ProviderConfig {
        guard case .object(var values)? = stored else { return ProviderConfig() }
        for name in secretFields {
            if case .string(let sealed)? = values[name] { values[name] = .string(try secrets.open(sealed)) }
        }
        return ProviderConfig(values)
    }

    /// What responses, the CLI and logs show: credentials as their last four characters.
    public func masked(_ stored: JSON?, secrets: SecretBox) -> JSONObject {
        guard case .object(var values)? = stored else { return [:] }
        for name in secretFields {
            guard case .string(let sealed)? = values[name] else { continue }
            values[name] = .string((try? secrets.open(sealed)).map(SecretBox.mask) ?? "••••")
        }
        return values
    }
}

/// The URL shape settings accept: absolute, `http` or `https`, with a host.
enum OutboundURLShape {
    static func isAbsoluteHTTP(_ text: String) -> Bool {
        guard let url = OutboundURL(text) else { return false }
        return !url.host.isEmpty
    }
}
