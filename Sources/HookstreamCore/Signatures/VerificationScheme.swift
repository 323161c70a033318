import Foundation

/// Providers whose real signature scheme hookstream implements (every template but Custom).
public enum SignatureProvider: String, Sendable, Equatable, CaseIterable {
    case stripe, github, shopify, slack, twilio, sendgrid, intercom, linear
    case clerk, svix, paddle, resend, postmark, typeform
}

/// How a source's requests are verified.
public enum VerificationScheme: Sendable, Equatable {
    /// Generic HMAC of the body (or of `"{timestamp}.{body}"` when a timestamp header is
    /// configured) in a configurable header, hex or base64, optional `sha256=`/`sha1=` prefix.
    case hmac(HMACAlgorithm)
    /// Standard Webhooks (`webhook-*` headers, also read from the `svix-*` aliases).
    case standardWebhooks
    /// A template: the provider's own headers, signed string, encoding and tolerance.
    case provider(SignatureProvider)

    /// The scheme for a generic `verification_type`.
    public init(_ type: VerificationType) {
        switch type {
        case .hmacSHA256: self = .hmac(.sha256)
        case .hmacSHA1: self = .hmac(.sha1)
        case .standardWebhooks: self = .standardWebhooks
        }
    }

    /// Decides what a source verifies with, from its stored settings.
    ///
    /// A template other than `custom` wins: it selects the provider's real scheme. Otherwise
    /// `verification_type` selects a generic scheme — except that a generic HMAC type whose
    /// `verification_header` is the signature header of a provider that does not sign the bare
    /// body (`Stripe-Signature`, `X-Slack-Signature`, `Paddle-Signature`, `X-Twilio-Signature`)
    /// uses that provider's scheme, because a body-only HMAC could never match those headers
    /// (the spec's own example configures Stripe as `hmac-sha256` + `stripe-signature`).
    ///
    /// - Returns: `nil` when the source has no verification.
    /// - Throws: ``PolicyValidationError`` for an unknown template or verification type.
    public static func resolve(
        verificationType: String?,
        template: String? = nil,
        header: String? = nil
    ) throws(PolicyValidationError) -> VerificationScheme? {
        if let template, template.lowercased() != "custom" {
            guard let provider = SignatureProvider(rawValue: template.lowercased()) else {
                let known = SourceTemplate.all.map { "\"\($0.id)\"" }.joined(separator: ", ")
                throw PolicyValidationError(
                    field: "template",
                    message: "template must be one of \(known) (got \"\(template)\")"
                )
            }
            return .provider(provider)
        }
        guard let verificationType else { return nil }
        let scheme = VerificationScheme(try VerificationType.parse(verificationType))
        switch (scheme, header?.lowercased()) {
        case (.hmac(.sha256), "stripe-signature"): return .provider(.stripe)
        case (.hmac(.sha256), "x-slack-signature"): return .provider(.slack)
        case (.hmac(.sha256), "paddle-signature"): return .provider(.paddle)
        case (.hmac(.sha1), "x-twilio-signature"): return .provider(.twilio)
        default: return scheme
        }
    }

    /// The timestamp tolerance in seconds the scheme applies when the source sets none; `nil`
    /// for schemes without a timestamp.
    public var defaultTolerance: TimeInterval? {
        switch self {
        case .hmac: nil
        case .standardWebhooks: 300
        case .provider(let provider):
            switch provider {
            case .stripe, .slack, .svix, .clerk, .resend: 300
            case .paddle: 5  // the Paddle SDK's default maximum_variance
            case .linear: 60  // the @linear/sdk webhookTimestamp window
            case .github, .shopify, .twilio, .sendgrid, .intercom, .postmark, .typeform: nil
            }
        }
    }

    /// The request header that carries the signature, for messages and docs.
    public var signatureHeader: String? {
        switch self {
        case .hmac: nil
        case .standardWebhooks: "webhook-signature"
        case .provider(let provider): SourceTemplate.named(provider.rawValue)?.verificationHeader
        }
    }

    /// Checks a secret for this scheme when a source is created or updated, so that a secret
    /// that can never verify anything is a 400 instead of a stream of 401s.
    /// - Throws: ``PolicyValidationError`` on `verification_secret`.
    public func validateSecret(_ secret: String) throws(PolicyValidationError) {
        let field = "verification_secret"
        guard !secret.isEmpty else {
            throw PolicyValidationError(field: field, message: "verification_secret must not be empty")
        }
        switch self {
        case .standardWebhooks, .provider(.svix), .provider(.clerk), .provider(.resend):
            guard let key = StandardWebhooks.key(fromSecret: secret), !key.isEmpty else {
                throw PolicyValidationError(
                    field: field,
                    message: "verification_secret must be a Standard Webhooks secret: \"whsec_\" followed by base64"
                )
            }
        case .provider(.sendgrid):
            guard SendGridVerifier.publicKey(fromSecret: secret) != nil else {
                throw PolicyValidationError(
                    field: field,
                    message: "verification_secret must be SendGrid's verification key: a base64 (or PEM) P-256 public key"
                )
            }
        case .provider(.postmark):
            guard secret.contains(":") else {
                throw PolicyValidationError(
                    field: field,
                    message: "verification_secret must be the Basic auth credentials as \"user:password\""
                )
            }
        default:
            break
        }
    }
}

/// Everything needed to verify a source's requests.
public struct VerificationConfig: Sendable {
    public var scheme: VerificationScheme
    /// Generic HMAC only: the header holding the signature. `nil` tries, in order,
    /// ``VerificationConfig/defaultHMACHeaders``.
    public var header: String?
    /// Generic HMAC only: when set, the signed string is `"{timestamp}.{body}"` with the
    /// timestamp (Unix seconds) taken from this header — the form hookstream's own outbound
    /// signing produces with `include_timestamp`.
    public var timestampHeader: String?
    /// Current secret first, then any previous one still inside its rotation window.
    public var secrets: [SigningSecret]
    /// Timestamp tolerance in seconds; `nil` uses ``VerificationScheme/defaultTolerance``.
    public var tolerance: TimeInterval?

    public init(
        scheme: VerificationScheme,
        header: String? = nil,
        timestampHeader: String? = nil,
        secrets: [SigningSecret],
        tolerance: TimeInterval? = nil
    ) {
        self.scheme = scheme
        self.header = header
        self.timestampHeader = timestampHeader
        self.secrets = secrets
        self.tolerance = tolerance
    }

    /// A config from a source's stored columns: the current secret plus, during a rotation,
    /// the previous one and `previous_secret_expires_at`.
    public init(
        scheme: VerificationScheme,
        header: String? = nil,
        secret: String,
        previousSecret: String? = nil,
        previousSecretExpiresAt: Date? = nil,
        tolerance: TimeInterval? = nil
    ) {
        var secrets = [SigningSecret(secret)]
        // Without an expiry the old secret stops at once (DESIGN.md, "rotating a source's secret").
        if let previousSecret, let previousSecretExpiresAt {
            secrets.append(SigningSecret(previousSecret, validUntil: previousSecretExpiresAt))
        }
        self.init(scheme: scheme, header: header, secrets: secrets, tolerance: tolerance)
    }

    /// Headers tried for a generic HMAC source that names none.
    public static let defaultHMACHeaders = [
        "X-hookstream-Signature", "X-Webhook-Signature", "X-Signature", "X-Hub-Signature-256",
        "X-Hub-Signature",
    ]

    var effectiveTolerance: TimeInterval { tolerance ?? scheme.defaultTolerance ?? 300 }
}
