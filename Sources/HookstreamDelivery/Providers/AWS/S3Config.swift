public import HookstreamCore

extension ProviderConfigSchema {
    /// `aws_s3` (providers/aws-s3): `bucket`, `prefix`, `format` (`json` or `raw`) and the AWS
    /// settings.
    public static let awsS3 = ProviderConfigSchema(
        type: "aws_s3",
        fields: [
            .string("bucket", required: true, maxLength: 63), .text("prefix", required: true, maxLength: 512),
            .oneOf("format", ["json", "raw"], default: "json"),
        ] + AWSSettings.fields,
        check: { config in
            try AWSSettings.checkRegion(config)
            let bucket = try config.required("bucket")
            let allowed = bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
            guard bucket.count >= 3, allowed, bucket.first?.isLetter == true || bucket.first?.isNumber == true,
                bucket.last?.isLetter == true || bucket.last?.isNumber == true
            else {
                throw ProviderConfigError(
                    field: "bucket", "'config.bucket' must be an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'")
            }
            if config.string("prefix")?.hasPrefix("/") == true {
                throw ProviderConfigError(field: "prefix", "'config.prefix' must not start with '/' (S3 keys have no leading slash)")
            }
        })
}
