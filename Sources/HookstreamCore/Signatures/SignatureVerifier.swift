import Foundation

/// Verifies inbound webhook signatures. Pure: the clock comes in with the request.
///
/// ```swift
/// let config = VerificationConfig(scheme: .provider(.stripe), secret: "whsec_…")
/// let request = SignedRequest(url: publicURL, headers: headers, body: body, now: Date())
/// if case .failed(let reason) = SignatureVerifier.verify(request, config: config) {
///     // 401 {"error": reason}
/// }
/// ```
///
/// Every secret still active at `request.now` is tried (current first); the request verifies
/// if any of them matches. When all fail, the reason given is the current secret's.
public enum SignatureVerifier {
    public static func verify(_ request: SignedRequest, config: VerificationConfig) -> VerificationResult {
        let active = config.secrets.filter { $0.isActive(at: request.now) }
        guard !active.isEmpty else {
            return .failed(reason: "no verification secret is configured or active for this source")
        }
        var firstFailure: VerificationResult?
        for secret in active {
            let result = verify(request, secret: secret.value, config: config)
            if result == .verified { return .verified }
            if firstFailure == nil { firstFailure = result }
        }
        return firstFailure ?? .failed(reason: "signature does not match")
    }

    static func verify(_ request: SignedRequest, secret: String, config: VerificationConfig) -> VerificationResult {
        let tolerance = config.effectiveTolerance
        switch config.scheme {
        case .hmac(let algorithm):
            return GenericHMACVerifier.verify(
                request, secret: secret, algorithm: algorithm, header: config.header,
                timestampHeader: config.timestampHeader, tolerance: tolerance
            )
        case .standardWebhooks, .provider(.svix), .provider(.clerk), .provider(.resend):
            return StandardWebhooks.verify(request, secret: secret, tolerance: tolerance)
        case .provider(let provider):
            return ProviderVerifier.verify(request, provider: provider, secret: secret, tolerance: tolerance)
        }
    }
}

extension VerificationResult {
    static func missingHeader(_ name: String) -> VerificationResult {
        .failed(reason: "missing \(name) header")
    }

    static func malformed(_ name: String, _ detail: String) -> VerificationResult {
        .failed(reason: "malformed \(name) header: \(detail)")
    }

    static let mismatch = VerificationResult.failed(reason: "signature does not match")

    static func stale(_ tolerance: TimeInterval) -> VerificationResult {
        .failed(reason: "timestamp is outside the \(Int(tolerance)) s tolerance")
    }
}

/// Shared parsing for the verifiers.
enum SignatureParsing {
    /// An integer Unix timestamp (seconds or milliseconds, as the caller knows); `nil` for
    /// anything that is not an optionally signed run of ASCII digits.
    static func integer(_ text: some StringProtocol) -> Int64? {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }

    /// Whether `timestamp` lies within `tolerance` seconds of `now`, boundary included.
    static func isFresh(_ timestamp: Int64, now: Int64, tolerance: TimeInterval, checkFuture: Bool = true) -> Bool {
        let age = Double(now) - Double(timestamp)
        if age > tolerance { return false }
        if checkFuture && -age > tolerance { return false }
        return true
    }

    /// Splits `"k=v<separator>k=v"` into pairs, splitting each item on its first `=`.
    static func pairs(_ text: String, separator: Character) -> [(key: Substring, value: Substring)] {
        text.split(separator: separator, omittingEmptySubsequences: true).compactMap { item in
            guard let equals = item.firstIndex(of: "=") else { return nil }
            return (item[..<equals], item[item.index(after: equals)...])
        }
    }
}
