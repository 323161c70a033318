import Foundation

/// An inbound request as a signature verifier sees it: everything a provider may have signed,
/// captured before any parsing or normalisation.
public struct SignedRequest: Sendable {
    /// HTTP method as received (`POST`).
    public var method: String
    /// The full public URL the provider called (scheme, host, optional port, path, query), as
    /// it would have appeared to the provider — behind a proxy this is the external URL, built
    /// from the configured base URL plus the raw request path and query. Only Twilio signs it.
    public var url: String
    /// Header fields in arrival order; names are matched case-insensitively.
    public var headers: [(name: String, value: String)]
    /// The raw body bytes exactly as received.
    public var body: [UInt8]
    /// The verifier's clock.
    public var now: Date

    public init(
        method: String = "POST",
        url: String,
        headers: [(name: String, value: String)],
        body: [UInt8],
        now: Date
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.now = now
    }

    /// The first value of the header called `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Unix seconds of ``now``, truncated toward negative infinity like every provider's SDK.
    var nowSeconds: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }
}

/// One verification secret with the moment it stops being accepted.
///
/// Rotating a source's secret keeps the previous one valid until
/// `previous_secret_expires_at`; the current secret has no expiry.
public struct SigningSecret: Sendable, Equatable {
    public var value: String
    /// The instant after which this secret no longer verifies anything; `nil` = no expiry.
    public var validUntil: Date?

    public init(_ value: String, validUntil: Date? = nil) {
        self.value = value
        self.validUntil = validUntil
    }

    /// Whether the secret still verifies requests at `now` (it expires at `validUntil`).
    public func isActive(at now: Date) -> Bool {
        guard let validUntil else { return true }
        return now < validUntil
    }
}

/// The outcome of verifying one request.
public enum VerificationResult: Sendable, Equatable {
    case verified
    /// `reason` is a short human sentence suitable for the 401 error body; it never contains
    /// the secret or the expected signature.
    case failed(reason: String)

    public var isVerified: Bool { self == .verified }
}
