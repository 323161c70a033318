import HookstreamCore

extension ProviderConfigSchema {
    /// `gcp_pubsub` (providers/gcp-pubsub): `project_id`, `topic_id`, the service account key
    /// (`service_account_json`, a credential) and, beyond the spec, `endpoint_url` for the
    /// Pub/Sub emulator or a private endpoint. The token endpoint is the key's own `token_uri`.
    public static let gcpPubSub = ProviderConfigSchema(
        type: "gcp_pubsub",
        fields: [
            .string("project_id", required: true, maxLength: 255), .string("topic_id", required: true, maxLength: 255),
            .secret("service_account_json"), .url("endpoint_url"),
        ],
        check: { config in
            // Project IDs are lower-case letters, digits and hyphens; older ones carry a
            // domain ("example.com:my-project").
            let project = try config.required("project_id")
            guard project.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "-.:".contains($0)) }) else {
                throw ProviderConfigError(field: "project_id", "'config.project_id' must be a GCP project ID (lower-case letters, digits and hyphens)")
            }
            // Pub/Sub's rule for resource names.
            let topic = try config.required("topic_id")
            guard topic.count >= 3, topic.first?.isLetter == true, !topic.hasPrefix("goog"),
                topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~+%".contains($0)) })
            else {
                throw ProviderConfigError(
                    field: "topic_id",
                    "'config.topic_id' must be a Pub/Sub topic name: 3-255 letters, digits or -_.~+%, starting with a letter, not with 'goog'")
            }
            _ = try GoogleServiceAccount(json: try config.required("service_account_json"))
            try checkBaseURL(config, "endpoint_url", of: "the Pub/Sub API")
        },
        otherHosts: { config in
            // The token exchange goes to the key's own `token_uri`.
            guard let key = config.string("service_account_json"), let account = try? GoogleServiceAccount(json: key),
                let host = host(ofURL: account.tokenURI)
            else { return [] }
            return [NamedHost(field: "service_account_json.token_uri", host: host)]
        })
}
