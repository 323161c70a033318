public import JSONValue

/// Where alert notifications go. The channel's settings (`config`) are kept sealed as one
/// document: a webhook's signing secret and a Slack or Discord incoming-webhook URL (which is
/// itself the credential) must never be readable from the database alone.
public struct NotificationChannel: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case webhook, slack, discord, email
    }

    public var id: String
    public var tenant: Tenant
    public var name: String
    public var kind: Kind
    /// `ChannelConfig` as JSON, sealed with the server's master key.
    public var sealedConfig: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, tenant: Tenant, name: String, kind: Kind, sealedConfig: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.kind = kind
        self.sealedConfig = sealedConfig
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A channel's validated settings, in the clear.
public struct ChannelConfig: Sendable, Equatable {
    /// The webhook, Slack or Discord URL.
    public var url: String?
    /// A webhook's HMAC-SHA256 secret.
    public var secret: String?
    /// E-mail recipients.
    public var recipients: [String]

    public init(url: String? = nil, secret: String? = nil, recipients: [String] = []) {
        self.url = url
        self.secret = secret
        self.recipients = recipients
    }

    /// The members each kind accepts; `webhook_url` is what Slack and Discord call their URL.
    public static func fields(for kind: NotificationChannel.Kind) -> [String] {
        switch kind {
        case .webhook: ["url", "secret"]
        case .slack, .discord: ["url", "webhook_url"]
        case .email: ["to"]
        }
    }

    /// Validates `config` for `kind`.
    /// - Throws: `ChannelConfigError` with a message fit for a 400.
    public static func parse(_ config: JSONObject, kind: NotificationChannel.Kind) throws(ChannelConfigError) -> ChannelConfig {
        let allowed = fields(for: kind)
        for key in config.keys where !allowed.contains(key) {
            throw ChannelConfigError("Unknown field 'config.\(key)' for a \(kind.rawValue) channel (accepted: \(allowed.joined(separator: ", ")))")
        }
        switch kind {
        case .webhook, .slack, .discord:
            let given = config["url"] ?? config["webhook_url"]
            guard let url = given?.stringValue, !url.isEmpty else { throw ChannelConfigError("'config.url' is required for a \(kind.rawValue) channel") }
            guard url.count <= 2048, let scheme = url.split(separator: ":").first?.lowercased(), scheme == "http" || scheme == "https",
                url.contains("://"), url.split(separator: "/").count >= 2
            else { throw ChannelConfigError("'config.url' must be an http or https URL") }
            var secret: String?
            if let value = config["secret"], value != .null {
                guard let text = value.stringValue, !text.isEmpty, text.count <= 500 else {
                    throw ChannelConfigError("'config.secret' must be a non-empty string of at most 500 characters")
                }
                secret = text
            }
            return ChannelConfig(url: url, secret: secret)
        case .email:
            let list: [JSON]
            switch config["to"] {
            case .string(let one)?: list = [.string(one)]
            case .array(let many)?: list = many
            default: throw ChannelConfigError("'config.to' is required for an email channel: an address or a list of addresses")
            }
            let addresses = try list.map { (value: JSON) throws(ChannelConfigError) -> String in
                guard let text = value.stringValue, Self.isMailbox(text) else {
                    throw ChannelConfigError("'config.to' holds an invalid e-mail address: \(value)")
                }
                return text
            }
            guard !addresses.isEmpty, addresses.count <= 50 else { throw ChannelConfigError("'config.to' takes 1 to 50 addresses") }
            return ChannelConfig(recipients: addresses)
        }
    }

    /// A plain `local@domain` address with no characters that could break an SMTP command.
    public static func isMailbox(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), text.count <= 254 else { return false }
        return !text.contains(where: { $0.isWhitespace || "<>\r\n,;\"".contains($0) })
    }

    /// The stored form (before sealing).
    public var json: JSON {
        var o = JSONObject()
        if let url { o["url"] = .string(url) }
        if let secret { o["secret"] = .string(secret) }
        if !recipients.isEmpty { o["to"] = .array(recipients.map(JSON.string)) }
        return .object(o)
    }

    public init(json: JSON) {
        url = json["url"]?.stringValue
        secret = json["secret"]?.stringValue
        recipients = json["to"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

public struct ChannelConfigError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
