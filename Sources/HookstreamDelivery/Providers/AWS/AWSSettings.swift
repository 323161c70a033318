public import HookstreamCore
import JSONValue

/// The settings every AWS destination type shares: region, the IAM key pair (an optional
/// session token for temporary credentials) and, beyond the spec, `endpoint_url` for moto,
/// LocalStack, MinIO or a VPC endpoint.
public enum AWSSettings {
    public static let fields: [ProviderConfigSchema.Field] = [
        .string("region", required: true, maxLength: 64),
        .string("access_key_id", required: true, maxLength: 128),
        .secret("secret_access_key"),
        .secret("session_token", required: false),
        .url("endpoint_url"),
    ]

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: lower-case words joined by
    /// hyphens, ending with a number.
    public static func checkRegion(_ config: ProviderConfig) throws {
        let region = config.string("region") ?? ""
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        let wordsOK = parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }
        guard parts.count >= 3, wordsOK, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCII), last.allSatisfy(\.isNumber) else {
            throw ProviderConfigError(field: "region", "'config.region' must be an AWS region such as us-east-1, not '\(region)'")
        }
        let key = config.string("access_key_id") ?? ""
        guard key.count >= 16, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ProviderConfigError(field: "access_key_id", "'config.access_key_id' must be an IAM access key ID (16-128 letters and digits)")
        }
    }

    public static func credentials(_ config: ProviderConfig) throws -> SigV4.Credentials {
        SigV4.Credentials(
            accessKeyID: try config.required("access_key_id"), secretAccessKey: try config.required("secret_access_key"),
            sessionToken: config.string("session_token"))
    }

    /// `endpoint_url` without a trailing slash, else the service's public endpoint.
    public static func endpoint(_ config: ProviderConfig, service: String) -> String {
        if let custom = config.string("endpoint_url") { return custom.hasSuffix("/") ? String(custom.dropLast()) : custom }
        let region = config.string("region") ?? "us-east-1"
        return "https://\(service).\(region).amazonaws.com\(region.hasPrefix("cn-") ? ".cn" : "")"
    }
}
