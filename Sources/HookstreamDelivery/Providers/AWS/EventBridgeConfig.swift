public import HookstreamCore

extension ProviderConfigSchema {
    /// `aws_eventbridge` (providers/aws-eventbridge): `event_bus_arn` (`default`, a bus ARN or
    /// a bus name), `source`, `detail_type` and the AWS settings.
    public static let awsEventBridge = ProviderConfigSchema(
        type: "aws_eventbridge",
        fields: [
            .string("event_bus_arn", required: true, maxLength: 1600), .string("source", required: true, maxLength: 256),
            .string("detail_type", required: true, maxLength: 128),
        ] + AWSSettings.fields,
        check: { config in
            try AWSSettings.checkRegion(config)
            let bus = try config.required("event_bus_arn")
            if bus.hasPrefix("arn:") {
                let parts = bus.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
                guard parts.count == 6, parts[2] == "events", parts[5].hasPrefix("event-bus/"), parts[5].count > "event-bus/".count else {
                    throw ProviderConfigError(
                        field: "event_bus_arn", "'config.event_bus_arn' must be \"default\" or arn:aws:events:<region>:<account>:event-bus/<name>")
                }
            } else if !bus.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/".contains($0)) }) {
                throw ProviderConfigError(field: "event_bus_arn", "'config.event_bus_arn' must be \"default\", an event bus ARN or a bus name")
            }
        })
}
