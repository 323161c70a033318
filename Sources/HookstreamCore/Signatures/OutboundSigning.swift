import Foundation
import JSONValue

/// An HTTP destination's `signing_config`: how hookstream signs what it delivers.
///
/// ```json
/// {"secret": "…", "algorithm": "sha256", "header": "X-hookstream-Signature",
///  "prefix": "sha256=", "include_timestamp": false,
///  "timestamp_header": "X-hookstream-Signature-Timestamp"}
/// ```
/// Defaults follow the outbound-signing guide: `algorithm` `sha256`, `header`
/// `X-hookstream-Signature`, `prefix` `"{algorithm}="`, `include_timestamp` false; the
/// signing timestamp header defaults to `X-hookstream-Signature-Timestamp` because
/// `X-hookstream-Timestamp` already carries the ISO 8601 delivery time (DESIGN.md).
public struct OutboundSigningConfig: Sendable, Equatable {
    public enum Algorithm: String, Sendable, Equatable, CaseIterable {
        case sha256
        case sha1
        /// `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64>` with a
        /// `whsec_` secret; `header`, `prefix` and `include_timestamp` do not apply.
        case standardWebhooks = "standard_webhooks"
        /// streamhook's delivery headers (database sources' destinations): `X-StreamHook-Event-ID`,
        /// `X-StreamHook-Timestamp` (Unix seconds), `User-Agent: StreamHook/1.0` and, with a
        /// secret, `X-StreamHook-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. The
        /// secret may be empty (streamhook's signing is optional); `header`, `prefix` and
        /// `include_timestamp` do not apply.
        case streamhook

        /// Accepts `sha256`, `hmac_sha256`, `hmac-sha256` (and the same for sha1) and both
        /// spellings of Standard Webhooks.
        public init?(spelling: String) {
            var normalized = spelling.lowercased().replacingOccurrences(of: "-", with: "_")
            if normalized.hasPrefix("hmac_") { normalized.removeFirst("hmac_".count) }
            self.init(rawValue: normalized)
        }
    }

    public static let defaultHeader = "X-hookstream-Signature"
    public static let defaultTimestampHeader = "X-hookstream-Signature-Timestamp"
    /// The `User-Agent` of deliveries signed the streamhook way (unless headers set one).
    public static let streamhookUserAgent = "StreamHook/1.0"

    public var secret: String
    public var algorithm: Algorithm
    public var header: String
    public var prefix: String
    public var includeTimestamp: Bool
    public var timestampHeader: String

    public init(
        secret: String,
        algorithm: Algorithm = .sha256,
        header: String = OutboundSigningConfig.defaultHeader,
        prefix: String? = nil,
        includeTimestamp: Bool = false,
        timestampHeader: String = OutboundSigningConfig.defaultTimestampHeader
    ) {
        self.secret = secret
        self.algorithm = algorithm
        self.header = header
        self.prefix = prefix ?? "\(algorithm.rawValue)="
        self.includeTimestamp = includeTimestamp
        self.timestampHeader = timestampHeader
    }

    /// Parses and validates a `signing_config` object; absent or `null` members take their
    /// defaults.
    /// - Throws: ``PolicyValidationError`` naming the offending `signing_config.*` member.
    public init(json: JSON) throws(PolicyValidationError) {
        guard let object = json.objectValue else {
            throw PolicyValidationError(field: "signing_config", message: "signing_config must be an object")
        }
        func string(_ key: String) throws(PolicyValidationError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default:
                throw PolicyValidationError(field: "signing_config.\(key)", message: "signing_config.\(key) must be a string")
            }
        }
        var algorithm = Algorithm.sha256
        if let name = try string("algorithm") {
            guard let parsed = Algorithm(spelling: name) else {
                throw PolicyValidationError(
                    field: "signing_config.algorithm",
                    message: #"signing_config.algorithm must be one of "sha256", "sha1", "standard_webhooks", "streamhook" (got "\#(name)")"#
                )
            }
            algorithm = parsed
        }
        guard let secret = try string("secret") ?? (algorithm == .streamhook ? "" : nil), !secret.isEmpty || algorithm == .streamhook else {
            throw PolicyValidationError(field: "signing_config.secret", message: "signing_config.secret is required")
        }
        var includeTimestamp = false
        switch object["include_timestamp"] {
        case nil, .null?: break
        case .bool(let value)?: includeTimestamp = value
        default:
            throw PolicyValidationError(
                field: "signing_config.include_timestamp", message: "signing_config.include_timestamp must be a boolean"
            )
        }
        let header = try string("header") ?? Self.defaultHeader
        let timestampHeader = try string("timestamp_header") ?? Self.defaultTimestampHeader
        for (key, value) in [("header", header), ("timestamp_header", timestampHeader)] where !Self.isToken(value) {
            throw PolicyValidationError(
                field: "signing_config.\(key)", message: "signing_config.\(key) must be a valid HTTP header name"
            )
        }
        if algorithm == .standardWebhooks {
            guard let key = StandardWebhooks.key(fromSecret: secret), !key.isEmpty else {
                throw PolicyValidationError(
                    field: "signing_config.secret",
                    message: #"signing_config.secret must be "whsec_" followed by base64 for standard_webhooks"#
                )
            }
        }
        self.init(
            secret: secret, algorithm: algorithm, header: header, prefix: try string("prefix"),
            includeTimestamp: includeTimestamp, timestampHeader: timestampHeader
        )
    }

    /// The config as stored and returned (the API layer masks ``secret`` in responses).
    public var json: JSON {
        .object([
            "secret": .string(secret),
            "algorithm": .string(algorithm.rawValue),
            "header": .string(header),
            "prefix": .string(prefix),
            "include_timestamp": .bool(includeTimestamp),
            "timestamp_header": .string(timestampHeader),
        ])
    }

    /// RFC 9110 token characters, so a header name cannot smuggle a line break.
    /// Whether `name` is an HTTP field-name token (RFC 9110 §5.1).
    public static func isToken(_ name: String) -> Bool {
        let extra = Set("!#$%&'*+-.^_`|~".utf8)
        return !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || extra.contains(byte)
        }
    }
}

/// Produces the signature headers for one outbound delivery. Pure: the caller passes the
/// clock, and the same inputs always give the same headers, so a retry of the same attempt
/// can be re-signed with a fresh timestamp.
public enum OutboundSigner {
    /// - Parameters:
    ///   - eventID: the event id (`evt_…`), sent as `webhook-id` for Standard Webhooks.
    ///   - body: the exact bytes that will be sent.
    /// - Returns: header name/value pairs to add to the request.
    public static func headers(
        config: OutboundSigningConfig,
        eventID: String,
        body: [UInt8],
        now: Date
    ) -> [(name: String, value: String)] {
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        switch config.algorithm {
        case .standardWebhooks:
            // Validation guarantees a decodable key; an undecodable one signs with no key
            // bytes rather than crash a delivery worker.
            let key = StandardWebhooks.key(fromSecret: config.secret) ?? []
            let signature = StandardWebhooks.signature(id: eventID, timestamp: timestamp, body: body, key: key)
            return [
                ("webhook-id", eventID),
                ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", "v1," + SignatureEncoding.base64(signature)),
            ]
        case .streamhook:
            var headers = [
                (name: "X-StreamHook-Event-ID", value: eventID), (name: "X-StreamHook-Timestamp", value: String(timestamp)),
            ]
            if !config.secret.isEmpty {
                let signature = HMACAlgorithm.sha256.mac(key: Array(config.secret.utf8), message: body)
                headers.append(("X-StreamHook-Signature", "sha256=" + SignatureEncoding.hex(signature)))
            }
            return headers
        case .sha256, .sha1:
            let hmac: HMACAlgorithm = config.algorithm == .sha256 ? .sha256 : .sha1
            var message: [UInt8] = []
            if config.includeTimestamp { message = Array("\(timestamp).".utf8) }
            message += body
            let signature = config.prefix + SignatureEncoding.hex(hmac.mac(key: Array(config.secret.utf8), message: message))
            var headers = [(name: config.header, value: signature)]
            if config.includeTimestamp { headers.append((config.timestampHeader, String(timestamp))) }
            return headers
        }
    }
}
