import HookstreamCore
import Testing

@Suite struct VerificationSettingsTests {
    @Test func genericTypeIsStoredWithTheUnderscoreSpelling() throws {
        let settings = try VerificationSettings.validate(
            verificationType: "hmac-sha256", template: nil, header: "X-Hub-Signature-256", secret: "s"
        )
        #expect(settings.scheme == .hmac(.sha256))
        #expect(settings.verificationType == "hmac_sha256")
        #expect(settings.header == "X-Hub-Signature-256")
        #expect(settings.template == nil)
    }

    @Test func templateFillsTypeAndHeader() throws {
        let stripe = try VerificationSettings.validate(verificationType: nil, template: "Stripe", header: nil, secret: "whsec_abc")
        #expect(stripe.scheme == .provider(.stripe))
        #expect(stripe.verificationType == "hmac_sha256")
        #expect(stripe.header == "Stripe-Signature")
        #expect(stripe.template == "stripe")
        let sendgrid = try VerificationSettings.validate(
            verificationType: nil, template: "sendgrid", header: nil,
            secret: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEasi7Z2+LBx1njmt/cmKdLJskH2Sq0UeXAKakyp6OXnNpE+mMK4B2N7gYO2DTMgnR2/4oqoVnN3gte6QRnVR8DQ=="
        )
        #expect(sendgrid.verificationType == "ecdsa_p256")
        let custom = try VerificationSettings.validate(verificationType: "hmac-sha1", template: "custom", header: "X-Sig", secret: "s")
        #expect(custom.scheme == .hmac(.sha1))
        #expect(custom.verificationType == "hmac_sha1")
        #expect(custom.template == "custom")
    }

    @Test func noVerification() throws {
        let none = try VerificationSettings.validate(verificationType: nil, template: nil, header: nil, secret: nil)
        #expect(none.scheme == nil)
        #expect(none.verificationType == nil)
    }

    @Test func errors() {
        let cases: [(String?, String?, String?, String?, String)] = [
            ("hmac_md5", nil, nil, "s", "verification_type"),
            (nil, "acme", nil, "s", "template"),
            ("hmac_sha256", nil, nil, nil, "verification_secret"),
            (nil, "github", nil, nil, "verification_secret"),
            ("standard_webhooks", nil, nil, "not base64!", "verification_secret"),
            (nil, "postmark", nil, "password-only", "verification_secret"),
            ("hmac_sha256", nil, "Bad Header", "s", "verification_header"),
        ]
        for (type, template, header, secret, field) in cases {
            do {
                _ = try VerificationSettings.validate(verificationType: type, template: template, header: header, secret: secret)
                Issue.record("accepted \(String(describing: type)) \(String(describing: template))")
            } catch {
                #expect(error.field == field)
            }
        }
    }
}
