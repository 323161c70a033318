import Foundation

/// The Standard Webhooks symmetric scheme (standardwebhooks.com), also used by Svix, Clerk and
/// Resend under the `svix-*` header names.
///
/// Signed content: `"{id}.{timestamp}.{body}"`; signature: `v1,` + base64 HMAC-SHA256 keyed
/// with the base64-decoded part of the `whsec_` secret; the signature header is a
/// space-separated list and any `v1` entry may match; the timestamp must be within the
/// tolerance in both directions.
enum StandardWebhooks {
    static let secretPrefix = "whsec_"

    /// The HMAC key of a `whsec_…` secret. The prefix is optional (both official libraries
    /// strip it only when present) and missing base64 padding is tolerated.
    static func key(fromSecret secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix(secretPrefix) ? secret.dropFirst(secretPrefix.count) : Substring(secret)
        return SignatureEncoding.decodeBase64(encoded)
    }

    static func signature(id: String, timestamp: Int64, body: [UInt8], key: [UInt8]) -> [UInt8] {
        HMACAlgorithm.sha256.mac(key: key, message: Array("\(id).\(timestamp).".utf8) + body)
    }

    static func verify(_ request: SignedRequest, secret: String, tolerance: TimeInterval) -> VerificationResult {
        // The svix library reads svix-* first and falls back to webhook-*, header by header.
        func read(_ suffix: String) -> (name: String, value: String)? {
            for name in ["svix-\(suffix)", "webhook-\(suffix)"] {
                if let value = request.header(name), !value.isEmpty { return (name, value) }
            }
            return nil
        }
        guard let id = read("id") else { return .missingHeader("webhook-id") }
        guard let timestampHeader = read("timestamp") else { return .missingHeader("webhook-timestamp") }
        guard let signatures = read("signature") else { return .missingHeader("webhook-signature") }
        guard let timestamp = SignatureParsing.integer(timestampHeader.value) else {
            return .malformed(timestampHeader.name, "expected Unix seconds")
        }
        guard SignatureParsing.isFresh(timestamp, now: request.nowSeconds, tolerance: tolerance) else {
            return .stale(tolerance)
        }
        guard let key = key(fromSecret: secret) else {
            return .failed(reason: "verification secret is not a valid whsec_ base64 secret")
        }
        let expected = signature(id: id.value, timestamp: timestamp, body: request.body, key: key)
        var sawV1 = false
        for entry in signatures.value.split(separator: " ") {
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == "v1" else { continue }
            sawV1 = true
            if let provided = SignatureEncoding.decodeBase64(entry[entry.index(after: comma)...]),
                SignatureEncoding.constantTimeEquals(provided, expected)
            {
                return .verified
            }
        }
        return sawV1 ? .mismatch : .malformed(signatures.name, "no v1 signature")
    }
}
