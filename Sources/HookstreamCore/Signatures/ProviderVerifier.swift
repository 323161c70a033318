import Foundation
import JSONValue

/// The template schemes: each provider's real header layout, signed string and encoding. The
/// HMAC keys are the secret's UTF-8 bytes (Stripe's whole `whsec_…` string included); only
/// the Standard Webhooks family base64-decodes its secret.
enum ProviderVerifier {
    static func verify(
        _ request: SignedRequest,
        provider: SignatureProvider,
        secret: String,
        tolerance: TimeInterval
    ) -> VerificationResult {
        let key = Array(secret.utf8)
        switch provider {
        case .stripe: return stripe(request, key: key, tolerance: tolerance)
        case .github: return github(request, key: key)
        case .shopify:
            return bodyHMAC(request, key: key, header: "X-Shopify-Hmac-Sha256", algorithm: .sha256, prefix: "", encoding: .base64)
        case .slack: return slack(request, key: key, tolerance: tolerance)
        case .twilio: return TwilioVerifier.verify(request, key: key)
        case .sendgrid: return SendGridVerifier.verify(request, publicKey: secret)
        case .intercom:
            return bodyHMAC(request, key: key, header: "X-Hub-Signature", algorithm: .sha1, prefix: "sha1=", encoding: .hex)
        case .linear: return linear(request, key: key, tolerance: tolerance)
        case .paddle: return paddle(request, key: key, tolerance: tolerance)
        case .postmark: return postmark(request, credentials: key)
        case .typeform:
            return bodyHMAC(request, key: key, header: "Typeform-Signature", algorithm: .sha256, prefix: "sha256=", encoding: .base64)
        case .svix, .clerk, .resend:
            return StandardWebhooks.verify(request, secret: secret, tolerance: tolerance)
        }
    }

    enum Encoding { case hex, base64 }

    /// An HMAC of the bare body in one header, with an exact (case-sensitive) prefix.
    static func bodyHMAC(
        _ request: SignedRequest,
        key: [UInt8],
        header: String,
        algorithm: HMACAlgorithm,
        prefix: String,
        encoding: Encoding
    ) -> VerificationResult {
        guard let value = request.header(header) else { return .missingHeader(header) }
        guard value.hasPrefix(prefix) else {
            return .malformed(header, "expected the \"\(prefix)\" prefix")
        }
        let text = value.dropFirst(prefix.count)
        let decoded =
            switch encoding {
            case .hex: SignatureEncoding.decodeHex(text)
            case .base64: SignatureEncoding.decodeBase64(text)
            }
        guard let provided = decoded else {
            return .malformed(header, encoding == .hex ? "expected hex" : "expected base64")
        }
        let expected = algorithm.mac(key: key, message: request.body)
        return SignatureEncoding.constantTimeEquals(provided, expected) ? .verified : .mismatch
    }

    /// `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]` over `"<t>.<body>"`. Like Stripe's
    /// SDKs, only the past is bounded: a timestamp ahead of the clock is accepted.
    static func stripe(_ request: SignedRequest, key: [UInt8], tolerance: TimeInterval) -> VerificationResult {
        let header = "Stripe-Signature"
        guard let value = request.header(header) else { return .missingHeader(header) }
        var timestamp: Int64?
        var signatures: [Substring] = []
        for (name, item) in SignatureParsing.pairs(value, separator: ",") {
            if name == "t" { timestamp = SignatureParsing.integer(item) }
            if name == "v1" { signatures.append(item) }
        }
        guard let timestamp else { return .malformed(header, "no t= timestamp") }
        guard !signatures.isEmpty else { return .malformed(header, "no v1 signature") }
        let expected = HMACAlgorithm.sha256.mac(key: key, message: Array("\(timestamp).".utf8) + request.body)
        guard anyMatches(signatures, expected: expected) else { return .mismatch }
        guard SignatureParsing.isFresh(timestamp, now: request.nowSeconds, tolerance: tolerance, checkFuture: false)
        else { return .stale(tolerance) }
        return .verified
    }

    /// `X-Hub-Signature-256: sha256=<hex>`, falling back to the legacy `X-Hub-Signature:
    /// sha1=<hex>` only when the SHA-256 header is absent.
    static func github(_ request: SignedRequest, key: [UInt8]) -> VerificationResult {
        if request.header("X-Hub-Signature-256") != nil || request.header("X-Hub-Signature") == nil {
            return bodyHMAC(request, key: key, header: "X-Hub-Signature-256", algorithm: .sha256, prefix: "sha256=", encoding: .hex)
        }
        return bodyHMAC(request, key: key, header: "X-Hub-Signature", algorithm: .sha1, prefix: "sha1=", encoding: .hex)
    }

    /// `X-Slack-Signature: v0=<hex>` over `"v0:<X-Slack-Request-Timestamp>:<body>"`, the
    /// timestamp within the tolerance in both directions.
    static func slack(_ request: SignedRequest, key: [UInt8], tolerance: TimeInterval) -> VerificationResult {
        let signatureHeader = "X-Slack-Signature"
        let timestampHeader = "X-Slack-Request-Timestamp"
        guard let timestampText = request.header(timestampHeader) else { return .missingHeader(timestampHeader) }
        guard let value = request.header(signatureHeader) else { return .missingHeader(signatureHeader) }
        guard let timestamp = SignatureParsing.integer(timestampText) else {
            return .malformed(timestampHeader, "expected Unix seconds")
        }
        guard SignatureParsing.isFresh(timestamp, now: request.nowSeconds, tolerance: tolerance) else {
            return .stale(tolerance)
        }
        guard value.hasPrefix("v0="), let provided = SignatureEncoding.decodeHex(value.dropFirst(3)) else {
            return .malformed(signatureHeader, "expected v0=<hex>")
        }
        // Slack signs the timestamp text exactly as it sends it in the header.
        let expected = HMACAlgorithm.sha256.mac(key: key, message: Array("v0:\(timestampText):".utf8) + request.body)
        return SignatureEncoding.constantTimeEquals(provided, expected) ? .verified : .mismatch
    }

    /// `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]` over `"<ts>:<body>"`, within the tolerance
    /// (Paddle's SDK default: 5 s) in both directions.
    static func paddle(_ request: SignedRequest, key: [UInt8], tolerance: TimeInterval) -> VerificationResult {
        let header = "Paddle-Signature"
        guard let value = request.header(header) else { return .missingHeader(header) }
        var timestampText: Substring?
        var signatures: [Substring] = []
        for (name, item) in SignatureParsing.pairs(value, separator: ";") {
            if name == "ts" { timestampText = item }
            if name == "h1" { signatures.append(item) }
        }
        guard let timestampText, let timestamp = SignatureParsing.integer(timestampText) else {
            return .malformed(header, "no ts= timestamp")
        }
        guard !signatures.isEmpty else { return .malformed(header, "no h1 signature") }
        guard SignatureParsing.isFresh(timestamp, now: request.nowSeconds, tolerance: tolerance) else {
            return .stale(tolerance)
        }
        let expected = HMACAlgorithm.sha256.mac(key: key, message: Array("\(timestampText):".utf8) + request.body)
        return anyMatches(signatures, expected: expected) ? .verified : .mismatch
    }

    /// `Linear-Signature: <hex>` over the body; the body's `webhookTimestamp` (Unix ms) must be
    /// within the tolerance (60 s, as Linear's SDK checks). A body without that field is not
    /// rejected for it, matching the SDK, which only checks a timestamp it finds.
    static func linear(_ request: SignedRequest, key: [UInt8], tolerance: TimeInterval) -> VerificationResult {
        let result = bodyHMAC(request, key: key, header: "Linear-Signature", algorithm: .sha256, prefix: "", encoding: .hex)
        guard result == .verified else { return result }
        if let body = try? JSON(parsing: request.body), let milliseconds = body["webhookTimestamp"]?.numberValue {
            let nowMilliseconds = request.now.timeIntervalSince1970 * 1000
            if abs(nowMilliseconds - milliseconds) > tolerance * 1000 { return .stale(tolerance) }
        }
        return .verified
    }

    /// Postmark signs nothing: the webhook URL carries Basic credentials, and the secret is
    /// that `user:password`. Only the credentials are checked; the body is not authenticated.
    static func postmark(_ request: SignedRequest, credentials: [UInt8]) -> VerificationResult {
        let header = "Authorization"
        guard let value = request.header(header) else { return .missingHeader(header) }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let provided = SignatureEncoding.decodeBase64(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            return .malformed(header, "expected Basic credentials")
        }
        return SignatureEncoding.constantTimeEquals(provided, credentials)
            ? .verified : .failed(reason: "Basic credentials do not match")
    }

    static func anyMatches(_ hexSignatures: [Substring], expected: [UInt8]) -> Bool {
        // Every candidate is compared, so timing does not reveal which one matched.
        var matched = false
        for signature in hexSignatures {
            if let provided = SignatureEncoding.decodeHex(signature),
                SignatureEncoding.constantTimeEquals(provided, expected)
            {
                matched = true
            }
        }
        return matched
    }
}
