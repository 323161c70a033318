public import HookstreamCore

/// A destination type implemented in this module: its settings and how to build its provider.
public struct DestinationType: Sendable {
    public let schema: ProviderConfigSchema
    public let makeProvider: @Sendable (ProviderContext) -> any DeliveryProvider

    public init(schema: ProviderConfigSchema, makeProvider: @escaping @Sendable (ProviderContext) -> any DeliveryProvider) {
        self.schema = schema
        self.makeProvider = makeProvider
    }

    public var name: String { schema.type }
}

/// What a provider is built with: the server's one outbound client (connection pools per
/// host, the outbound policy).
public struct ProviderContext: Sendable {
    public let client: OutboundHTTPClient

    public init(client: OutboundHTTPClient) { self.client = client }
}

/// The destination types hookstream knows, their spellings, and the registry of those with a
/// provider (see `ProviderConfigSchema.swift` for how to add one).
public enum DestinationTypes {
    /// Every type of the spec, canonical spelling.
    public static let known = ["http", "aws_sqs", "aws_s3", "aws_eventbridge", "gcp_pubsub", "kafka", "rabbitmq", "websocket"]
    /// The spec's other spellings (DESIGN: accept both, answer with the canonical one).
    public static let aliases = ["webhook": "http", "sqs": "aws_sqs", "s3": "aws_s3", "eventbridge": "aws_eventbridge", "pubsub": "gcp_pubsub"]
    /// Built by the server itself: `http` (the default type) and `websocket` (needs the hub).
    public static let builtIn = ["http", "websocket"]

    /// The registry: one line per type whose provider exists. A known type not listed here
    /// is refused at create until it is.
    public static let registered: [DestinationType] = [
        DestinationType(schema: .awsSQS) { AWSProvider<SQSSendMessage>(client: $0.client) },
        DestinationType(schema: .awsS3) { AWSProvider<S3PutObject>(client: $0.client) },
        DestinationType(schema: .awsEventBridge) { AWSProvider<EventBridgePutEvents>(client: $0.client) },
        DestinationType(schema: .rabbitmq) { ServiceRequestProvider<RabbitMQPublish>(client: $0.client) },
        DestinationType(schema: .kafka) { ServiceRequestProvider<KafkaProduce>(client: $0.client) },
        DestinationType(schema: .gcpPubSub) { PubSubProvider(client: $0.client) },
    ]

    /// The canonical name of `raw` (either spelling, any case), or `nil` when unknown.
    public static func canonical(_ raw: String) -> String? {
        let lower = raw.lowercased()
        let name = aliases[lower] ?? lower
        return known.contains(name) ? name : nil
    }

    /// "an aws_sqs destination", "a kafka destination": for messages.
    public static func destinationPhrase(_ type: String) -> String {
        ("aeiou".contains(type.prefix(1)) ? "an " : "a ") + type + " destination"
    }

    /// The providers of `types`, by type name, for the delivery engine.
    public static func providers(_ types: [DestinationType], context: ProviderContext) -> [String: any DeliveryProvider] {
        Dictionary(types.map { ($0.name, $0.makeProvider(context)) }, uniquingKeysWith: { _, last in last })
    }
}
