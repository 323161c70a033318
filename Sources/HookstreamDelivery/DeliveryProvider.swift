public import Foundation
public import HookstreamCore
public import JSONValue

/// A kind of destination (`http`, `aws_sqs`, …): how one message reaches it. Providers are
/// pure transport — the engine decides when to send, retries, and records; a provider sends
/// once and reports what happened. A new destination type is a new conforming type registered
/// with the engine, nothing else.
public protocol DeliveryProvider: Sendable {
    /// Sends `message` to `destination` once, within the destination's timeout. Never throws:
    /// every failure is an outcome.
    func send(_ message: OutboundMessage, to destination: DestinationRuntime) async -> ProviderResult
    /// Releases connections and threads at shutdown.
    func shutdown() async
}

extension DeliveryProvider {
    public func shutdown() async {}
}

/// What is delivered: the (possibly transformed) body and the facts the delivery headers carry.
public struct OutboundMessage: Sendable {
    public var eventID: String
    public var attemptNumber: Int
    public var body: [UInt8]
    public var contentType: String?
    public var now: Date
    /// The received request, for providers whose message carries it (S3's object, message
    /// attributes). `nil` only where a message is built without an event.
    public var event: EventFacts?

    public init(eventID: String, attemptNumber: Int, body: [UInt8], contentType: String?, now: Date, event: EventFacts? = nil) {
        self.eventID = eventID
        self.attemptNumber = attemptNumber
        self.body = body
        self.contentType = contentType
        self.now = now
        self.event = event
    }
}

/// The facts of the received request a message came from.
public struct EventFacts: Sendable {
    public var sourceID: String
    public var method: String
    /// Lower-cased names, as stored.
    public var headers: JSONObject
    /// Unix milliseconds.
    public var receivedAt: Int64

    public init(sourceID: String, method: String, headers: JSONObject, receivedAt: Int64) {
        self.sourceID = sourceID
        self.method = method
        self.headers = headers
        self.receivedAt = receivedAt
    }
}

/// A destination with its sealed settings opened, ready to send to.
public struct DestinationRuntime: Sendable {
    public var destination: Destination
    /// The destination's custom headers (credentials included), in the order configured.
    public var headers: [(name: String, value: String)]
    public var signing: OutboundSigningConfig?
    /// The type's settings, validated, credentials opened (empty for types without a schema).
    public var config: ProviderConfig

    public init(
        destination: Destination, headers: [(name: String, value: String)], signing: OutboundSigningConfig?, config: ProviderConfig = ProviderConfig()
    ) {
        self.destination = destination
        self.headers = headers
        self.signing = signing
        self.config = config
    }

    /// Opens the destination's sealed headers, signing configuration and provider settings.
    /// - Parameter schema: the settings schema of the destination's type, if it has one.
    public init(_ destination: Destination, secrets: SecretBox, schema: ProviderConfigSchema? = nil) throws {
        var headers: [(name: String, value: String)] = []
        if let sealed = destination.sealedHeaders, case .object(let object) = try JSON(parsing: try secrets.open(sealed)) {
            for (name, value) in object { headers.append((name, value.stringValue ?? value.description)) }
        }
        var signing: OutboundSigningConfig?
        if let sealed = destination.sealedSigningConfig {
            signing = try OutboundSigningConfig(json: try JSON(parsing: try secrets.open(sealed)))
        }
        let config = try schema.map { try $0.opened(destination.providerConfig, secrets: secrets) } ?? ProviderConfig()
        self.init(destination: destination, headers: headers, signing: signing, config: config)
    }
}

/// What a provider reports about one send.
public struct ProviderResult: Sendable {
    public var outcome: AttemptOutcome
    /// The headers sent, credentials masked.
    public var requestHeaders: JSONObject
    public var responseHeaders: JSONObject?
    /// The response body as text, truncated to the provider's cap.
    public var responseBody: String?
    /// A description of a transport failure.
    public var error: String?
    /// Seconds a 429/503 asked to wait (`Retry-After`).
    public var retryAfter: TimeInterval?

    public init(
        outcome: AttemptOutcome, requestHeaders: JSONObject = [:], responseHeaders: JSONObject? = nil, responseBody: String? = nil,
        error: String? = nil, retryAfter: TimeInterval? = nil
    ) {
        self.outcome = outcome
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.error = error
        self.retryAfter = retryAfter
    }
}

/// Header names whose values are credentials: masked wherever headers are shown.
public enum SensitiveHeaders {
    static let words = ["authorization", "token", "key", "secret", "cookie", "password", "signature"].map { Array($0.utf8) }

    public static func isSensitive(_ name: String) -> Bool {
        // A plain byte search: `String.contains` resolves to Foundation's (CFString bridging)
        // and the generic `firstRange(of:)` is slower still; each cost several percent of
        // delivery's CPU time, since every attempt shows its request headers.
        let lower = Array(name.lowercased().utf8)
        return words.contains { word in
            guard lower.count >= word.count else { return false }
            return (0...(lower.count - word.count)).contains { start in lower[start..<(start + word.count)].elementsEqual(word) }
        }
    }

    public static func masked(_ name: String, _ value: String) -> String {
        isSensitive(name) ? SecretBox.mask(value) : value
    }
}
