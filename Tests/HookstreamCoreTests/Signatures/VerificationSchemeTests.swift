import Foundation
import HookstreamCore
import Testing

@Suite struct VerificationSchemeTests {
    @Test(arguments: [
        ("hmac_sha256", VerificationType.hmacSHA256), ("hmac-sha256", .hmacSHA256), ("HMAC-SHA256", .hmacSHA256),
        ("hmac_sha1", .hmacSHA1), ("hmac-sha1", .hmacSHA1),
        ("standard_webhooks", .standardWebhooks), ("standard-webhooks", .standardWebhooks),
    ])
    func bothSpellingsParseAndAnswerWithUnderscores(spelling: String, expected: VerificationType) throws {
        let type = try VerificationType.parse(spelling)
        #expect(type == expected)
        #expect(type.rawValue.contains("_"))
    }

    @Test func unknownTypeIsAClearError() {
        #expect(throws: PolicyValidationError(
            field: "verification_type",
            message: #"verification_type must be one of "hmac_sha256", "hmac_sha1", "standard_webhooks" (got "md5")"#
        )) { try VerificationType.parse("md5") }
    }

    @Test func resolve() throws {
        #expect(try VerificationScheme.resolve(verificationType: nil) == nil)
        #expect(try VerificationScheme.resolve(verificationType: "hmac-sha256") == .hmac(.sha256))
        #expect(try VerificationScheme.resolve(verificationType: "standard_webhooks") == .standardWebhooks)
        #expect(try VerificationScheme.resolve(verificationType: "hmac_sha256", template: "Stripe") == .provider(.stripe))
        #expect(try VerificationScheme.resolve(verificationType: "hmac_sha1", template: "custom") == .hmac(.sha1))
        #expect(try VerificationScheme.resolve(verificationType: nil, template: "custom") == nil)
        // The spec's own example: generic hmac-sha256 with Stripe's header means Stripe's scheme.
        #expect(try VerificationScheme.resolve(verificationType: "hmac-sha256", header: "stripe-signature") == .provider(.stripe))
        #expect(try VerificationScheme.resolve(verificationType: "hmac_sha256", header: "X-Hub-Signature-256") == .hmac(.sha256))
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.resolve(verificationType: nil, template: "acme") }
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.resolve(verificationType: "rsa") }
    }

    @Test func everyTemplateButCustomHasAProviderScheme() throws {
        for template in SourceTemplate.all where template.id != "custom" {
            let scheme = try VerificationScheme.resolve(verificationType: template.verificationType, template: template.id)
            #expect(scheme == .provider(SignatureProvider(rawValue: template.id)!))
            #expect(scheme?.signatureHeader == template.verificationHeader)
        }
    }

    @Test func secretValidation() throws {
        try VerificationScheme.hmac(.sha256).validateSecret("anything")
        try VerificationScheme.standardWebhooks.validateSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        try VerificationScheme.provider(.postmark).validateSecret("user:pass")
        try VerificationScheme.provider(.sendgrid).validateSecret(
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEasi7Z2+LBx1njmt/cmKdLJskH2Sq0UeXAKakyp6OXnNpE+mMK4B2N7gYO2DTMgnR2/4oqoVnN3gte6QRnVR8DQ=="
        )
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.hmac(.sha1).validateSecret("") }
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.standardWebhooks.validateSecret("whsec_not base64!") }
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.provider(.clerk).validateSecret("whsec_") }
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.provider(.postmark).validateSecret("nocolon") }
        #expect(throws: PolicyValidationError.self) { try VerificationScheme.provider(.sendgrid).validateSecret("aGVsbG8=") }
    }

    @Test func defaultTolerances() {
        #expect(VerificationScheme.provider(.paddle).defaultTolerance == 5)
        #expect(VerificationScheme.provider(.linear).defaultTolerance == 60)
        #expect(VerificationScheme.provider(.stripe).defaultTolerance == 300)
        #expect(VerificationScheme.standardWebhooks.defaultTolerance == 300)
        #expect(VerificationScheme.provider(.github).defaultTolerance == nil)
    }
}
