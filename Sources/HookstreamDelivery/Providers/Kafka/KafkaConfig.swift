import HookstreamCore

extension ProviderConfigSchema {
    /// `kafka` (providers/kafka): the cluster (`bootstrap_servers`, `cluster_id`), the `topic`,
    /// the Confluent API key pair (`api_key`, `api_secret`) and, beyond the spec,
    /// `rest_endpoint` for a REST endpoint not derived from the bootstrap servers (Confluent
    /// Platform, a self-hosted REST Proxy, a private endpoint).
    public static let kafka = ProviderConfigSchema(
        type: "kafka",
        fields: [
            .string("bootstrap_servers", required: true, maxLength: 2048), .string("cluster_id", required: true, maxLength: 255),
            .string("topic", required: true, maxLength: 249), .string("api_key", required: true, maxLength: 255), .secret("api_secret"),
            .url("rest_endpoint"),
        ],
        check: { config in
            // Required even with `rest_endpoint` (the spec's required field): it says which
            // cluster the destination is, and the endpoint is derived from it otherwise.
            guard KafkaProduce.bootstrapHost(try config.required("bootstrap_servers")) != nil else {
                throw ProviderConfigError(
                    field: "bootstrap_servers",
                    "'config.bootstrap_servers' must be host:port, or several separated by commas (pkc-xxxxx.us-east-1.aws.confluent.cloud:9092)")
            }
            // Kafka's own rule for topic names.
            let topic = try config.required("topic")
            guard topic != ".", topic != "..", topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ProviderConfigError(field: "topic", "'config.topic' must be a Kafka topic name: letters, digits, '.', '_' or '-'")
            }
            let cluster = try config.required("cluster_id")
            guard cluster.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ProviderConfigError(field: "cluster_id", "'config.cluster_id' must be a cluster ID such as lkc-abc123 (letters, digits, '.', '_' or '-')")
            }
            try checkBaseURL(config, "rest_endpoint", of: "the Kafka REST endpoint")
        },
        otherHosts: { config in
            // Without `rest_endpoint`, requests go to the first bootstrap server's host.
            guard config.string("rest_endpoint") == nil, let host = config.string("bootstrap_servers").flatMap(KafkaProduce.bootstrapHost) else { return [] }
            return [NamedHost(field: "bootstrap_servers", host: host)]
        })
}
