/// A source's verification settings after create/update validation.
public struct VerificationSettings: Sendable, Equatable {
    /// What requests are verified with; `nil` when the source does not verify.
    public let scheme: VerificationScheme?
    /// The `verification_type` to store and answer with: the underscore form of the generic
    /// type, or the template's label (`ecdsa_p256`/`basic_auth` for SendGrid/Postmark);
    /// `nil` when the source does not verify.
    public let verificationType: String?
    /// The template id, lowercased, when the source was created from one.
    public let template: String?
    /// The signature header: the one given, else the template's.
    public let header: String?

    /// Validates the verification part of `POST /v1/sources` or of a `PATCH` merged over the
    /// stored source.
    ///
    /// - Parameters:
    ///   - verificationType: `verification_type` as given (either spelling).
    ///   - template: `template` as given; `custom` behaves like no template.
    ///   - header: `verification_header` as given.
    ///   - secret: `verification_secret` as given, or the stored one on update.
    /// - Throws: ``PolicyValidationError`` for an unknown type or template, a missing secret
    ///   when verification is configured, a secret unusable for the scheme, or a header name
    ///   that is not an HTTP token.
    public static func validate(
        verificationType: String?,
        template: String?,
        header: String?,
        secret: String?
    ) throws(PolicyValidationError) -> VerificationSettings {
        if let header, !OutboundSigningConfig.isToken(header) {
            throw PolicyValidationError(
                field: "verification_header", message: "verification_header must be a valid HTTP header name (got \"\(header)\")"
            )
        }
        let scheme = try VerificationScheme.resolve(verificationType: verificationType, template: template, header: header)
        let templateInfo = template.flatMap(SourceTemplate.named)
        guard let scheme else {
            return VerificationSettings(scheme: nil, verificationType: nil, template: templateInfo?.id, header: header)
        }
        guard let secret else {
            throw PolicyValidationError(
                field: "verification_secret",
                message: "verification_secret is required when verification_type or a template is set"
            )
        }
        try scheme.validateSecret(secret)
        let storedType: String
        if case .provider = scheme, let templateInfo, templateInfo.id != "custom" {
            storedType = templateInfo.verificationType
        } else if let verificationType, let type = VerificationType(spelling: verificationType) {
            storedType = type.rawValue
        } else {
            storedType = VerificationType.hmacSHA256.rawValue
        }
        return VerificationSettings(
            scheme: scheme, verificationType: storedType, template: templateInfo?.id,
            header: header ?? templateInfo?.verificationHeader
        )
    }
}
