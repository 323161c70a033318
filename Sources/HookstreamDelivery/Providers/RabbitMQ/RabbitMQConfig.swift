import HookstreamCore

extension ProviderConfigSchema {
    /// `rabbitmq` (providers/rabbitmq): the management API's `url`, `vhost` (default `/`),
    /// `exchange`, `routing_key`, and the user that publishes (`username`, `password`).
    public static let rabbitmq = ProviderConfigSchema(
        type: "rabbitmq",
        fields: [
            .url("url", required: true), .string("vhost", default: "/", maxLength: 255), .string("exchange", required: true, maxLength: 255),
            // Required, but may be empty: fanout and headers exchanges ignore it.
            .text("routing_key", required: true, maxLength: 255), .string("username", required: true, maxLength: 255), .secret("password"),
        ],
        check: { config in
            // The names RabbitMQ accepts for an exchange (amq.* are its own, amq.default the
            // nameless default exchange as the management API spells it).
            let exchange = try config.required("exchange")
            guard exchange.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else {
                throw ProviderConfigError(
                    field: "exchange", "'config.exchange' must be an exchange name: letters, digits, '-', '_', '.' or ':' (amq.default for the default exchange)")
            }
            try checkBaseURL(config, "url", of: "the management API")
        })
}
