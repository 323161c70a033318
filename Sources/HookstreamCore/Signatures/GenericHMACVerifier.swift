import Foundation

/// `hmac_sha256` / `hmac_sha1`: an HMAC of the raw body in one header.
///
/// The header value may carry the `sha256=`/`sha1=` prefix (any case) and may be hex (either
/// case) or base64 — the length of the decoded value tells which, since a hex SHA-256 MAC is 64
/// characters and a base64 one 44.
enum GenericHMACVerifier {
    static func verify(
        _ request: SignedRequest,
        secret: String,
        algorithm: HMACAlgorithm,
        header: String?,
        timestampHeader: String?,
        tolerance: TimeInterval
    ) -> VerificationResult {
        let candidates = header.map { [$0] } ?? VerificationConfig.defaultHMACHeaders
        guard let (headerName, value) = candidates.lazy.compactMap({ name in
            request.header(name).map { (name, $0) }
        }).first else {
            if let header { return .missingHeader(header) }
            return .failed(reason: "missing signature header (looked for \(candidates.joined(separator: ", ")))")
        }
        guard let provided = decode(value, algorithm: algorithm) else {
            return .malformed(
                headerName,
                "expected a hex or base64 HMAC-\(algorithm.rawValue.uppercased()), optionally prefixed \"\(algorithm.rawValue)=\""
            )
        }
        var message: [UInt8] = []
        if let timestampHeader {
            guard let timestampText = request.header(timestampHeader) else {
                return .missingHeader(timestampHeader)
            }
            guard let timestamp = SignatureParsing.integer(timestampText) else {
                return .malformed(timestampHeader, "expected Unix seconds")
            }
            guard SignatureParsing.isFresh(timestamp, now: request.nowSeconds, tolerance: tolerance) else {
                return .stale(tolerance)
            }
            message = Array("\(timestamp).".utf8)
        }
        message += request.body
        let expected = algorithm.mac(key: Array(secret.utf8), message: message)
        return SignatureEncoding.constantTimeEquals(provided, expected) ? .verified : .mismatch
    }

    /// The MAC bytes from a header value, or `nil` when it is neither hex nor base64 of the
    /// algorithm's digest length.
    static func decode(_ value: String, algorithm: HMACAlgorithm) -> [UInt8]? {
        var text = Substring(value.trimmingCharacters(in: .whitespaces))
        let prefix = algorithm.rawValue + "="
        if text.lowercased().hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        if let bytes = SignatureEncoding.decodeHex(text), bytes.count == algorithm.digestLength {
            return bytes
        }
        if let bytes = SignatureEncoding.decodeBase64(text), bytes.count == algorithm.digestLength {
            return bytes
        }
        return nil
    }
}
