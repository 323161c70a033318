import Foundation
import HookstreamCore
import HookstreamDelivery
import JSONValue

/// Reads a destination's delivery settings from a create or update body. Settings may stand
/// at the top level (`url`, `method`, `headers`, `timeout`, `follow_redirects`,
/// `signing_config`, `provider_config`) or inside `config: {…}`; both are accepted and one form is stored.
/// Everything is validated before the destination is touched.
struct DestinationSettings {
    let deps: ServerDependencies

    static let methods = ["POST", "PUT", "PATCH", "GET", "DELETE"]
    /// Headers the HTTP client sets itself; letting users set them would corrupt requests.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    static let signingFields: BodyFields = ["secret", "algorithm", "header", "prefix", "include_timestamp", "timestamp_header"]
    /// The delivery settings, accepted at the top level and inside `config` alike (a spec
    /// decision). `headers` and `provider_config` hold the user's own names, not checked.
    static let settingsFields: BodyFields = [
        "url", "method", "headers", "timeout", "follow_redirects", .nested("signing_config", signingFields), "provider_config",
        "channel_name",
    ]
    /// What a create or update body may hold (`name` and `slug` are read by the routes).
    /// `config` also holds the type's provider fields, so it is checked once the type is known.
    static let fields = settingsFields.merging([
        "name", "slug", "type", "status", "enabled", "max_concurrency", "retry_max_attempts", "retry_backoff_type", "retry_intervals",
        "config",
    ])

    /// The types a destination may be created with: the built-in ones and those registered.
    var availableTypes: [String] {
        DestinationTypes.known.filter { DestinationTypes.builtIn.contains($0) || schema(for: $0) != nil }
    }

    func schema(for type: String) -> ProviderConfigSchema? {
        deps.configuration.destinationTypes.last { $0.name == type }?.schema
    }

    func apply(_ body: JSONBody, to d: inout Destination, creating: Bool) throws {
        var updated = d
        if body.has("type") {
            guard let raw = try body.string("type") else { throw APIError.badRequest("'type' must not be null") }
            guard let type = DestinationTypes.canonical(raw) else {
                throw APIError.badRequest("'type' must be one of: \(availableTypes.joined(separator: ", "))")
            }
            guard availableTypes.contains(type) else {
                throw APIError.badRequest(
                    "Destination type '\(type)' is not available yet; supported types: \(availableTypes.joined(separator: ", "))")
            }
            updated.type = type
        }
        let schema = schema(for: updated.type)
        let split = try ProviderSettingsInput(body: body, schema: schema)
        let config = split.settings
        func setting(_ key: String) -> JSON? { split.claimed.contains(key) ? nil : config?[key] ?? body.members[key] }
        func has(_ key: String) -> Bool { setting(key) != nil }
        if let schema {
            try applyProviderConfig(split.provider, schema: schema, typeChanged: updated.type != d.type || creating, to: &updated)
            for key in ["url", "method", "headers", "signing_config", "follow_redirects"] where has(key) {
                throw APIError.badRequest("'\(key)' does not apply to \(DestinationTypes.destinationPhrase(updated.type)): its settings go in 'config'")
            }
        } else if updated.type != d.type, self.schema(for: d.type) != nil {
            // Leaving a provider type: its settings mean nothing to the new type.
            updated.providerConfig = nil
        }
        // A destination turned into a websocket one stops having a URL.
        if updated.type == WebSocketProvider.type, updated.type != d.type, !has("url") { updated.url = nil }
        if has("url") {
            let url = try Self.url(setting("url"))
            // Literal addresses are judged now; names when each request is sent.
            if let host = URLComponents(string: url)?.host, let refusal = deps.configuration.outboundPolicy.refusal(host: host, for: .organization) {
                throw APIError.badRequest("'url' is refused by the outbound policy: \(refusal)")
            }
            updated.url = url
        }
        if has("method") {
            guard case .string(let method)? = setting("method"), Self.methods.contains(method.uppercased()) else {
                throw APIError.badRequest("'method' must be one of: \(Self.methods.joined(separator: ", "))")
            }
            updated.method = method.uppercased()
        }
        if has("headers") { updated.sealedHeaders = try sealedHeaders(setting("headers")) }
        if has("timeout") {
            guard case .number(let seconds)? = setting("timeout"), (0.05...300).contains(seconds) else {
                throw APIError.badRequest("'timeout' must be a number of seconds between 0.05 and 300")
            }
            updated.timeoutSeconds = seconds
        }
        if has("follow_redirects") {
            guard case .bool(let follow)? = setting("follow_redirects") else { throw APIError.badRequest("'follow_redirects' must be true or false") }
            if follow, updated.type != "http" { throw APIError.badRequest("'follow_redirects' applies to http destinations only") }
            updated.followRedirects = follow
        }
        // Only an http destination sends requests a receiver could redirect.
        if updated.type != "http" { updated.followRedirects = false }
        if has("signing_config") { updated.sealedSigningConfig = try sealedSigning(setting("signing_config")) }
        if schema == nil, has("provider_config") {
            switch setting("provider_config") {
            case .object?: updated.providerConfig = setting("provider_config")
            case .null?: updated.providerConfig = nil
            default: throw APIError.badRequest("'provider_config' must be an object")
            }
        }
        do {
            updated.retry = try RetryPolicy(json: body.members, base: updated.retry)
        } catch {
            throw APIError.badRequest(error.description)
        }
        if body.has("status") {
            updated.status = try body.oneOf("status", Destination.Status.allCases.map(\.rawValue)).flatMap(Destination.Status.init(rawValue:)) ?? .active
        }
        if let enabled = try body.bool("enabled") { updated.status = enabled ? .active : .paused }
        if body.has("max_concurrency") {
            if body.isNull("max_concurrency") {
                updated.maxConcurrency = nil
            } else if let n = try body.number("max_concurrency", in: 1...1000), n == n.rounded() {
                updated.maxConcurrency = Int(n)
            } else {
                throw APIError.badRequest("'max_concurrency' must be an integer between 1 and 1000")
            }
        }
        guard Slug.isValid(updated.slug) else {
            throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens")
        }
        if updated.type == "http", updated.url == nil {
            throw APIError.badRequest("'url' is required for an http destination")
        }
        try applyChannelName(setting("channel_name"), given: has("channel_name"), to: &updated)
        d = updated
    }

    /// A `websocket` destination's `channel_name` (required), kept in its provider settings: a
    /// label for the stream its clients follow on `deliveries:<destination_id>`, sent with
    /// every broadcast. Other types have none.
    private func applyChannelName(_ value: JSON?, given: Bool, to d: inout Destination) throws {
        guard d.type == WebSocketProvider.type else {
            if given { throw APIError.badRequest("'channel_name' applies to websocket destinations only") }
            return
        }
        if given {
            guard case .string(let name)? = value, (1...100).contains(name.count),
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
            else {
                throw APIError.badRequest("'channel_name' must be 1-100 characters: letters, digits, '-', '_', '.' or ':'")
            }
            var config = d.providerConfig?.objectValue ?? [:]
            config["channel_name"] = .string(name)
            d.providerConfig = .object(config)
        }
        guard d.providerConfig?["channel_name"]?.stringValue != nil else {
            throw APIError.badRequest("'config.channel_name' is required for a websocket destination")
        }
        guard d.url == nil else { throw APIError.badRequest("'url' does not apply to a websocket destination: it delivers to WebSocket clients") }
    }

    static func url(_ value: JSON?) throws -> String {
        guard case .string(let text)? = value, text.count <= 2048, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw APIError.badRequest("'url' must be an absolute http(s) URL") }
        return text
    }

    private func sealedHeaders(_ value: JSON?) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .object(let headers)?:
            guard headers.count <= 50 else { throw APIError.badRequest("'headers' may hold at most 50 headers") }
            for (name, value) in headers {
                guard OutboundSigningConfig.isToken(name) else { throw APIError.badRequest("'headers' has an invalid header name '\(name)'") }
                guard !Self.reservedHeaders.contains(name.lowercased()) else { throw APIError.badRequest("'headers' may not set \(name)") }
                guard case .string(let text) = value, !text.contains(where: { $0 == "\r" || $0 == "\n" }), text.utf8.count <= 8192 else {
                    throw APIError.badRequest("'headers.\(name)' must be a single-line string")
                }
            }
            return try deps.secrets.seal(JSON.object(headers).serialized())
        default: throw APIError.badRequest("'headers' must be an object of header names to values")
        }
    }

    private func sealedSigning(_ value: JSON?) throws -> String? {
        guard let value, value != .null else { return nil }
        do {
            let config = try OutboundSigningConfig(json: value)
            return try deps.secrets.seal(config.json.serialized())
        } catch let error as PolicyValidationError {
            throw APIError.badRequest(error.message)
        }
    }
}
