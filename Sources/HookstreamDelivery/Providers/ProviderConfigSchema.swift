import Foundation
public import HookstreamCore
public import JSONValue

// # Adding a destination type
//
// A destination type is three things, each in its own place:
//
// 1. **Its settings** — `Providers/<Name>/<Name>Config.swift`: a `ProviderConfigSchema`
//    naming every field of the type's spec page (required or not, credentials as `.secret`)
//    plus a `check` for what a field kind cannot say (a URL's shape, a region's spelling, a
//    JSON key). The API validates create and update bodies with it (a missing or invalid
//    field is a 400 naming it; an unknown field a 400 listing the accepted ones), seals the
//    `.secret` fields with the master key before storing, and masks them (last 4) in every
//    response. Nothing else about settings needs writing.
// 2. **Its provider** — `Providers/<Name>/<Name>Provider.swift`: a `DeliveryProvider` that
//    reads its settings from `runtime.config` (already validated, credentials opened) and
//    sends every request through the shared `OutboundHTTPClient` (the outbound policy lives
//    there). It reports what happened as a `ProviderResult`: `.response(statusCode:)` for
//    the service's HTTP status, `.rejected(statusCode:)` when the service answered 2xx but
//    refused the message (unroutable, a failed entry), and the service's own error code and
//    message in `error`. Credentials in `requestHeaders` are masked (`SensitiveHeaders`).
// 3. **One registry line** — in `DestinationTypes.registered`:
//    `DestinationType(schema: .rabbitmq) { RabbitMQProvider(client: $0.client) }`.
//
// Until that line exists the type is refused at create with a 400 saying it is not
// available yet; from then on the engine sends its deliveries with retries, circuit breaker,
// DLQ, issues, transforms and replay exactly as for HTTP. Tests: validation and masking
// through `TestServer` (see `ProviderConfigTests`), and an end-to-end test against the
// service (`scripts/services/<name>`).

/// The settings of one destination type: which fields its `config` accepts, which are
/// required and which are credentials, and how a stored config is sealed, opened and masked.
///
/// A pure description: validation has no I/O, and sealing only uses the `SecretBox` given.
public struct ProviderConfigSchema: Sendable {
    /// The canonical type name (`aws_sqs`).
    public let type: String
    public let fields: [Field]
    /// Checks that need more than one field or more than a field kind (run after the field
    /// checks, on the values with defaults applied). Throw ``ProviderConfigError``.
    public let check: @Sendable (ProviderConfig) throws -> Void
    /// Hosts the type's requests go to that no `.url` field names (a host derived from
    /// another setting, a URL inside a credential), with the setting naming each.
    public let otherHosts: @Sendable (ProviderConfig) -> [NamedHost]

    public init(
        type: String, fields: [Field], check: @escaping @Sendable (ProviderConfig) throws -> Void = { _ in },
        otherHosts: @escaping @Sendable (ProviderConfig) -> [NamedHost] = { _ in [] }
    ) {
        self.type = type
        self.fields = fields
        self.check = check
        self.otherHosts = otherHosts
    }

    /// A host requests are sent to, and the setting it comes from (`service_account_json.token_uri`
    /// for one inside a credential).
    public struct NamedHost: Sendable, Equatable {
        public var field: String
        public var host: String

        public init(field: String, host: String) {
            self.field = field
            self.host = host
        }
    }

    /// Every host a destination with `config` sends requests to: the `.url` fields' and the
    /// others. The API judges them when the settings are saved, so a literal address the
    /// outbound policy refuses is a 400 naming the setting, wherever it is written.
    public func namedHosts(_ config: ProviderConfig) -> [NamedHost] {
        let urls = fields.filter { $0.kind == .url }.compactMap { field in
            config.string(field.name).flatMap(Self.host(ofURL:)).map { NamedHost(field: field.name, host: $0) }
        }
        return urls + otherHosts(config)
    }

    public static func host(ofURL text: String) -> String? { URLComponents(string: text)?.host }

    /// One setting.
    public struct Field: Sendable {
        public enum Kind: Sendable, Equatable {
            /// A non-empty single-line string up to `maxLength` characters.
            case string(maxLength: Int)
            /// A single-line string that may be empty (a key prefix).
            case text(maxLength: Int)
            /// An absolute `http`/`https` URL.
            case url
            /// One of these strings.
            case oneOf([String])
            case bool
            case integer(ClosedRange<Int>)
            /// A credential: stored sealed, shown masked. An object given here is kept as its
            /// JSON text (a service account key pasted as an object).
            case secret
        }

        public let name: String
        public let kind: Kind
        public let isRequired: Bool
        /// Stored when the field is absent (and shown in responses).
        public let defaultValue: JSON?

        public init(_ name: String, _ kind: Kind, required: Bool = false, default defaultValue: JSON? = nil) {
            self.name = name
            self.kind = kind
            self.isRequired = required
            self.defaultValue = defaultValue
        }

        public static func string(_ name: String, required: Bool = false, default value: String? = nil, maxLength: Int = 1024) -> Field {
            Field(name, .string(maxLength: maxLength), required: required, default: value.map(JSON.string))
        }

        public static func text(_ name: String, required: Bool = false, default value: String? = nil, maxLength: Int = 1024) -> Field {
            Field(name, .text(maxLength: maxLength), required: required, default: value.map(JSON.string))
        }

        public static func url(_ name: String, required: Bool = false) -> Field { Field(name, .url, required: required) }

        public static func oneOf(_ name: String, _ values: [String], default value: String? = nil) -> Field {
            Field(name, .oneOf(values), default: value.map(JSON.string))
        }

        public static func bool(_ name: String, default value: Bool? = nil) -> Field { Field(name, .bool, default: value.map(JSON.bool)) }

        public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int? = nil) -> Field {
            Field(name, .integer(range), default: value.map { .number(Double($0)) })
        }

        public static func secret(_ name: String, required: Bool = true) -> Field { Field(name, .secret, required: required) }

        public var isSecret: Bool { kind == .secret }
    }

    public var fieldNames: [String] { fields.map(\.name) }
    public var secretFields: [String] { fields.filter(\.isSecret).map(\.name) }

    func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

/// A destination's settings as its provider reads them: validated, defaults applied,
/// credentials in plain text. Never rendered or logged as is (``ProviderConfigSchema/masked(_:secrets:)``).
public struct ProviderConfig: Sendable, Equatable, CustomStringConvertible {
    public var values: JSONObject

    public init(_ values: JSONObject = [:]) { self.values = values }

    public subscript(name: String) -> JSON? { values[name] }

    public func string(_ name: String) -> String? { values[name]?.stringValue }

    public func bool(_ name: String) -> Bool? {
        if case .bool(let b)? = values[name] { return b }
        return nil
    }

    public func int(_ name: String) -> Int? {
        if case .number(let n)? = values[name] { return Int(n) }
        return nil
    }

    /// A string the schema requires; validation guarantees it, so a missing one is reported as
    /// a configuration fault rather than trapped on.
    public func required(_ name: String) throws -> String {
        guard let value = string(name) else { throw ProviderConfigError(field: name, "'config.\(name)' is missing") }
        return value
    }

    /// Field names only: the values may be credentials.
    public var description: String { "ProviderConfig(\(values.keys.joined(separator: ", ")))" }
}

/// A refused setting, naming the field; the API answers it as a 400.
public struct ProviderConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
