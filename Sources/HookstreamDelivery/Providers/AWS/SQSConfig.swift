import Foundation
public import HookstreamCore

extension ProviderConfigSchema {
    /// `aws_sqs` (providers/aws-sqs): `queue_url`, the AWS settings, and `message_group_id` for
    /// FIFO queues.
    public static let awsSQS = ProviderConfigSchema(
        type: "aws_sqs",
        fields: [.url("queue_url", required: true), .string("message_group_id", maxLength: 128)] + AWSSettings.fields,
        check: { config in
            try AWSSettings.checkRegion(config)
            let url = try config.required("queue_url")
            guard let name = SQSSendMessage.queueName(url) else {
                throw ProviderConfigError(field: "queue_url", "'config.queue_url' must end with the account and queue name (…/123456789012/my-queue)")
            }
            // SQS refuses a group id on a standard queue and requires one on a FIFO queue:
            // said now rather than on every delivery.
            let fifo = name.hasSuffix(".fifo")
            if fifo, config.string("message_group_id") == nil {
                throw ProviderConfigError(field: "message_group_id", "'config.message_group_id' is required for a FIFO queue (\(name))")
            }
            if !fifo, config.string("message_group_id") != nil {
                throw ProviderConfigError(field: "message_group_id", "'config.message_group_id' applies to FIFO queues only (names ending in .fifo)")
            }
        })
}
