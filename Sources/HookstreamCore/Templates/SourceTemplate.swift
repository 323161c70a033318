import JSONValue

/// A pre-configured source for a well-known webhook provider, as listed by
/// `GET /v1/sources/templates`.
///
/// A source created from a template (`POST /v1/sources {"template": "stripe", …}`) verifies
/// requests the way that provider really signs them (see
/// ``VerificationScheme/resolve(verificationType:template:header:)``),
/// not with the generic body-only HMAC that ``verificationType`` names. ``verificationType`` is
/// the closest generic label, shown to users and stored on the source; for the two providers
/// that do not sign with a shared HMAC secret it is `ecdsa_p256` (SendGrid) or `basic_auth`
/// (Postmark).
///
/// ```swift
/// let stripe = SourceTemplate.named("stripe")!
/// stripe.verificationHeader   // "Stripe-Signature"
/// ```
public struct SourceTemplate: Sendable, Codable, Equatable, Identifiable {
    /// Lowercase identifier used in API requests (`"stripe"`, `"github"`, …).
    public let id: String
    /// Display name (`"Stripe"`).
    public let name: String
    /// `hmac_sha256`, `hmac_sha1`, `standard_webhooks`, `ecdsa_p256` or `basic_auth`.
    public let verificationType: String
    /// The request header that carries the signature (or credentials); `nil` for Custom, where
    /// the user names it.
    public let verificationHeader: String?
    /// One sentence for the template picker.
    public let description: String
    /// The provider's page that explains its signature scheme and where to find the secret.
    public let docsURL: String?

    public init(
        id: String,
        name: String,
        verificationType: String,
        verificationHeader: String?,
        description: String,
        docsURL: String?
    ) {
        self.id = id
        self.name = name
        self.verificationType = verificationType
        self.verificationHeader = verificationHeader
        self.description = description
        self.docsURL = docsURL
    }

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case verificationType = "verification_type"
        case verificationHeader = "verification_header"
        case description
        case docsURL = "docs_url"
    }

    // Written by hand so that absent optional fields appear as `null`, like every other
    // nullable field of the API, instead of disappearing from the response.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(verificationType, forKey: .verificationType)
        try container.encode(verificationHeader, forKey: .verificationHeader)
        try container.encode(description, forKey: .description)
        try container.encode(docsURL, forKey: .docsURL)
    }
}

extension SourceTemplate {
    /// The template as the API returns it (`null` for absent optional fields).
    public var json: JSON {
        .object([
            "id": .string(id),
            "name": .string(name),
            "verification_type": .string(verificationType),
            "verification_header": verificationHeader.map(JSON.string) ?? .null,
            "description": .string(description),
            "docs_url": docsURL.map(JSON.string) ?? .null,
        ])
    }

    /// The 15 templates, in the order `GET /v1/sources/templates` lists them.
    public static let all: [SourceTemplate] = [
        SourceTemplate(
            id: "stripe", name: "Stripe", verificationType: "hmac_sha256",
            verificationHeader: "Stripe-Signature",
            description: "Receive Stripe webhook events with HMAC-SHA256 signature verification.",
            docsURL: "https://docs.stripe.com/webhooks#verify-manually"
        ),
        SourceTemplate(
            id: "github", name: "GitHub", verificationType: "hmac_sha256",
            verificationHeader: "X-Hub-Signature-256",
            description: "Receive GitHub webhook events with HMAC-SHA256 signature verification.",
            docsURL: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries"
        ),
        SourceTemplate(
            id: "shopify", name: "Shopify", verificationType: "hmac_sha256",
            verificationHeader: "X-Shopify-Hmac-Sha256",
            description: "Receive Shopify webhook events with base64 HMAC-SHA256 signature verification.",
            docsURL: "https://shopify.dev/docs/apps/build/webhooks/subscribe/https"
        ),
        SourceTemplate(
            id: "slack", name: "Slack", verificationType: "hmac_sha256",
            verificationHeader: "X-Slack-Signature",
            description: "Receive Slack events and interactions with signing-secret (v0) verification.",
            docsURL: "https://api.slack.com/authentication/verifying-requests-from-slack"
        ),
        SourceTemplate(
            id: "twilio", name: "Twilio", verificationType: "hmac_sha1",
            verificationHeader: "X-Twilio-Signature",
            description: "Receive Twilio webhooks with X-Twilio-Signature (HMAC-SHA1 of URL and parameters) verification.",
            docsURL: "https://www.twilio.com/docs/usage/webhooks/webhooks-security"
        ),
        SourceTemplate(
            id: "sendgrid", name: "SendGrid", verificationType: "ecdsa_p256",
            verificationHeader: "X-Twilio-Email-Event-Webhook-Signature",
            description: "Receive SendGrid Event Webhook events with ECDSA public-key signature verification.",
            docsURL: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features"
        ),
        SourceTemplate(
            id: "intercom", name: "Intercom", verificationType: "hmac_sha1",
            verificationHeader: "X-Hub-Signature",
            description: "Receive Intercom webhook notifications with HMAC-SHA1 signature verification.",
            docsURL: "https://developers.intercom.com/docs/references/webhooks/webhook-models"
        ),
        SourceTemplate(
            id: "linear", name: "Linear", verificationType: "hmac_sha256",
            verificationHeader: "Linear-Signature",
            description: "Receive Linear webhook events with HMAC-SHA256 signature and timestamp verification.",
            docsURL: "https://linear.app/developers/webhooks"
        ),
        SourceTemplate(
            id: "clerk", name: "Clerk", verificationType: "standard_webhooks",
            verificationHeader: "svix-signature",
            description: "Receive Clerk webhook events with Svix (Standard Webhooks) signature verification.",
            docsURL: "https://clerk.com/docs/webhooks/sync-data"
        ),
        SourceTemplate(
            id: "svix", name: "Svix", verificationType: "standard_webhooks",
            verificationHeader: "svix-signature",
            description: "Receive Svix webhook events with Standard Webhooks signature verification.",
            docsURL: "https://docs.svix.com/receiving/verifying-payloads/how-manual"
        ),
        SourceTemplate(
            id: "paddle", name: "Paddle", verificationType: "hmac_sha256",
            verificationHeader: "Paddle-Signature",
            description: "Receive Paddle Billing notifications with HMAC-SHA256 signature verification.",
            docsURL: "https://developer.paddle.com/webhooks/signature-verification"
        ),
        SourceTemplate(
            id: "resend", name: "Resend", verificationType: "standard_webhooks",
            verificationHeader: "svix-signature",
            description: "Receive Resend email events with Svix (Standard Webhooks) signature verification.",
            docsURL: "https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests"
        ),
        SourceTemplate(
            id: "postmark", name: "Postmark", verificationType: "basic_auth",
            verificationHeader: "Authorization",
            description: "Receive Postmark webhooks authenticated with HTTP Basic credentials (Postmark does not sign payloads).",
            docsURL: "https://postmarkapp.com/developer/webhooks/webhooks-overview"
        ),
        SourceTemplate(
            id: "typeform", name: "Typeform", verificationType: "hmac_sha256",
            verificationHeader: "Typeform-Signature",
            description: "Receive Typeform responses with base64 HMAC-SHA256 signature verification.",
            docsURL: "https://www.typeform.com/developers/webhooks/secure-your-webhooks/"
        ),
        SourceTemplate(
            id: "custom", name: "Custom", verificationType: "hmac_sha256",
            verificationHeader: nil,
            description: "Receive webhooks from any provider; choose HMAC-SHA256, HMAC-SHA1 or Standard Webhooks and the signature header yourself.",
            docsURL: nil
        ),
    ]

    /// The template with this id (case-insensitive), or `nil`.
    public static func named(_ id: String) -> SourceTemplate? {
        let wanted = id.lowercased()
        return all.first { $0.id == wanted }
    }
}
