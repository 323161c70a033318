import Crypto
import Foundation

/// SendGrid's signed Event Webhook: ECDSA P-256 / SHA-256 over the
/// `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, the DER signature
/// base64 in `X-Twilio-Email-Event-Webhook-Signature`. The "secret" is SendGrid's public
/// verification key (base64 DER SubjectPublicKeyInfo as the Mail Settings page shows it, or
/// PEM); SendGrid's SDK enforces no timestamp tolerance, and neither does this.
enum SendGridVerifier {
    static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"

    static func publicKey(fromSecret secret: String) -> P256.Signing.PublicKey? {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            return try? P256.Signing.PublicKey(pemRepresentation: trimmed)
        }
        let compact = trimmed.filter { !$0.isWhitespace }
        guard let der = SignatureEncoding.decodeBase64(compact) else { return nil }
        return try? P256.Signing.PublicKey(derRepresentation: der)
    }

    static func verify(_ request: SignedRequest, publicKey secret: String) -> VerificationResult {
        guard let signatureText = request.header(signatureHeader) else { return .missingHeader(signatureHeader) }
        guard let timestamp = request.header(timestampHeader) else { return .missingHeader(timestampHeader) }
        guard let key = publicKey(fromSecret: secret) else {
            return .failed(reason: "verification secret is not a P-256 public key")
        }
        guard let der = SignatureEncoding.decodeBase64(signatureText.trimmingCharacters(in: .whitespaces)),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else {
            return .malformed(signatureHeader, "expected a base64 DER ECDSA signature")
        }
        let message = Array(timestamp.utf8) + request.body
        return key.isValidSignature(signature, for: message) ? .verified : .mismatch
    }
}
