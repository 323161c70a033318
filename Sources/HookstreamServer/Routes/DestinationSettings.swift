import Foundation
import HookstreamCore
import JSONValue

/// Reads a destination's delivery settings from a create or update body. Settings may stand
/// at the top level (`url`, `method`, `headers`, `timeout`, `signing_config`,
/// `provider_config`) or inside `config: {…}`; both are accepted and one form is stored.
/// Everything is validated before the destination is touched.
struct DestinationSettings {
    let deps: ServerDependencies

    /// Provider types with a working provider. Others are refused by name until they exist.
    static let supportedTypes = ["http", "websocket"]
    static let knownTypes = ["http", "aws_sqs", "aws_s3", "aws_eventbridge", "gcp_pubsub", "kafka", "rabbitmq", "websocket"]
    static let typeAliases = ["webhook": "http", "sqs": "aws_sqs", "s3": "aws_s3", "eventbridge": "aws_eventbridge", "pubsub": "gcp_pubsub"]
    static let methods = ["POST", "PUT", "PATCH", "GET", "DELETE"]
    /// Headers the HTTP client sets itself; letting users set them would corrupt requests.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    static let signingFields: BodyFields = ["secret", "algorithm", "header", "prefix", "include_timestamp", "timestamp_header"]
    /// The delivery settings, accepted at the top level and inside `config` alike (a spec
    /// decision). `headers` and `provider_config` hold the user's own names, not checked.
    static let settingsFields: BodyFields = [
        "url", "method", "headers", "timeout", .nested("signing_config", signingFields), "provider_config", "channel_name",
    ]
    /// What a create or update body may hold (`name` and `slug` are read by the routes).
    static let fields = settingsFields.merging([
        "name", "slug", "type", "status", "enabled", "max_concurrency", "retry_max_attempts", "retry_backoff_type", "retry_intervals",
        .nested("config", settingsFields),
    ])

    func apply(_ body: JSONBody, to d: inout Destination, creating: Bool) throws {
        var updated = d
        let config = try configObject(body)
        func setting(_ key: String) -> JSON? { config?[key] ?? body.members[key] }
        func has(_ key: String) -> Bool { setting(key) != nil }

        if body.has("type") {
            guard let raw = try body.string("type") else { throw APIError.badRequest("'type' must not be null") }
            let type = Self.typeAliases[raw.lowercased()] ?? raw.lowercased()
            guard Self.knownTypes.contains(type) else {
                throw APIError.badRequest("'type' must be one of: \(Self.knownTypes.joined(separator: ", "))")
            }
            guard Self.supportedTypes.contains(type) else {
                throw APIError.badRequest("Destination type '\(type)' is not available yet; supported types: \(Self.supportedTypes.joined(separator: ", "))")
            }
            // A destination turned into a websocket one stops having a URL.
            if type == WebSocketProvider.type, !has("url") { updated.url = nil }
            updated.type = type
        }
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
        if has("signing_config") { updated.sealedSigningConfig = try sealedSigning(setting("signing_config")) }
        if has("provider_config") {
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

    private func configObject(_ body: JSONBody) throws -> JSONObject? {
        switch body.members["config"] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        default: throw APIError.badRequest("'config' must be an object")
        }
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
