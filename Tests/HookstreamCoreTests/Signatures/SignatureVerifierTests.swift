import Foundation
import HookstreamCore
import Testing

@Suite struct SignatureVerifierTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let body = Array(#"{"type":"payment.completed"}"#.utf8)

    func request(_ headers: [(name: String, value: String)], body: [UInt8]? = nil, at time: Date? = nil) -> SignedRequest {
        SignedRequest(url: "https://hooks.example.com/v1/ingest/src_1", headers: headers, body: body ?? self.body, now: time ?? now)
    }

    func mac(_ secret: String, _ algorithm: HMACAlgorithm = .sha256, message: [UInt8]? = nil) -> [UInt8] {
        algorithm.mac(key: Array(secret.utf8), message: message ?? body)
    }

    enum Format: CaseIterable, Sendable {
        case hexLower, hexUpper, prefixedHex, uppercasePrefix, base64, prefixedBase64

        func render(_ mac: [UInt8]) -> String {
            switch self {
            case .hexLower: SignatureEncoding.hex(mac)
            case .hexUpper: SignatureEncoding.hex(mac).uppercased()
            case .prefixedHex: "sha256=" + SignatureEncoding.hex(mac)
            case .uppercasePrefix: "SHA256=" + SignatureEncoding.hex(mac)
            case .base64: SignatureEncoding.base64(mac)
            case .prefixedBase64: "sha256=" + SignatureEncoding.base64(mac)
            }
        }
    }

    @Test(arguments: Format.allCases)
    func genericHMACAcceptsHexOrBase64WithOptionalPrefix(format: Format) {
        let config = VerificationConfig(scheme: .hmac(.sha256), header: "X-Sig", secret: "s3cret")
        let value = format.render(mac("s3cret"))
        #expect(SignatureVerifier.verify(request([("x-sig", value)]), config: config) == .verified)
    }

    @Test func genericHMACFailures() {
        let config = VerificationConfig(scheme: .hmac(.sha256), header: "X-Sig", secret: "s3cret")
        let good = SignatureEncoding.hex(mac("s3cret"))
        #expect(SignatureVerifier.verify(request([]), config: config) == .failed(reason: "missing X-Sig header"))
        #expect(
            SignatureVerifier.verify(request([("X-Sig", "zzz")]), config: config)
                == .failed(reason: #"malformed X-Sig header: expected a hex or base64 HMAC-SHA256, optionally prefixed "sha256=""#)
        )
        #expect(SignatureVerifier.verify(request([("X-Sig", SignatureEncoding.hex(mac("other")))]), config: config) == .failed(reason: "signature does not match"))
        #expect(SignatureVerifier.verify(request([("X-Sig", good)], body: body + [0x20]), config: config) == .failed(reason: "signature does not match"))
        // A SHA-1 MAC in a SHA-256 source is the wrong length, hence malformed.
        let sha1 = SignatureEncoding.hex(mac("s3cret", .sha1))
        #expect(!SignatureVerifier.verify(request([("X-Sig", sha1)]), config: config).isVerified)
    }

    @Test func genericHMACSHA1AndDefaultHeaders() {
        let config = VerificationConfig(scheme: .hmac(.sha1), secret: "k")
        let value = "sha1=" + SignatureEncoding.hex(mac("k", .sha1))
        #expect(SignatureVerifier.verify(request([("X-Hub-Signature", value)]), config: config) == .verified)
        #expect(SignatureVerifier.verify(request([("X-Signature", value)]), config: config) == .verified)
        #expect(SignatureVerifier.verify(request([("X-Other", value)]), config: config)
            == .failed(reason: "missing signature header (looked for X-hookstream-Signature, X-Webhook-Signature, X-Signature, X-Hub-Signature-256, X-Hub-Signature)"))
    }

    @Test func genericHMACWithTimestampHeaderSignsTimestampDotBody() {
        let config = VerificationConfig(scheme: .hmac(.sha256), header: "X-Sig", timestampHeader: "X-Ts", secrets: [SigningSecret("k")])
        let signed = mac("k", message: Array("1700000000.".utf8) + body)
        let headers = [("X-Sig", SignatureEncoding.hex(signed)), ("X-Ts", "1700000000")]
        #expect(SignatureVerifier.verify(request(headers), config: config) == .verified)
        #expect(SignatureVerifier.verify(request(headers, at: now.addingTimeInterval(301)), config: config) == .failed(reason: "timestamp is outside the 300 s tolerance"))
        #expect(SignatureVerifier.verify(request([headers[0]]), config: config) == .failed(reason: "missing X-Ts header"))
        #expect(SignatureVerifier.verify(request([headers[0], ("X-Ts", "1700000001")]), config: config) == .failed(reason: "signature does not match"))
    }

    @Test func previousSecretVerifiesUntilItExpires() {
        let expiry = now.addingTimeInterval(3600)
        let config = VerificationConfig(
            scheme: .hmac(.sha256), header: "X-Sig", secret: "new", previousSecret: "old", previousSecretExpiresAt: expiry
        )
        let signedWithOld = [("X-Sig", SignatureEncoding.hex(mac("old")))]
        let signedWithNew = [("X-Sig", SignatureEncoding.hex(mac("new")))]
        #expect(SignatureVerifier.verify(request(signedWithOld), config: config) == .verified)
        #expect(SignatureVerifier.verify(request(signedWithNew), config: config) == .verified)
        #expect(SignatureVerifier.verify(request(signedWithOld, at: expiry.addingTimeInterval(-1)), config: config) == .verified)
        #expect(SignatureVerifier.verify(request(signedWithOld, at: expiry), config: config) == .failed(reason: "signature does not match"))
        #expect(SignatureVerifier.verify(request(signedWithNew, at: expiry.addingTimeInterval(86_400)), config: config) == .verified)
    }

    @Test func previousSecretWithoutExpiryStopsAtOnce() {
        let config = VerificationConfig(scheme: .hmac(.sha256), header: "X-Sig", secret: "new", previousSecret: "old")
        #expect(config.secrets.count == 1)
        #expect(!SignatureVerifier.verify(request([("X-Sig", SignatureEncoding.hex(mac("old")))]), config: config).isVerified)
    }

    @Test func rotationWorksForProviderSchemes() {
        let signed = HMACAlgorithm.sha256.mac(key: Array("whsec_old".utf8), message: Array("1700000000.".utf8) + body)
        let headers = [("Stripe-Signature", "t=1700000000,v1=" + SignatureEncoding.hex(signed))]
        let rotating = VerificationConfig(
            scheme: .provider(.stripe), secret: "whsec_new", previousSecret: "whsec_old",
            previousSecretExpiresAt: now.addingTimeInterval(60)
        )
        #expect(SignatureVerifier.verify(request(headers), config: rotating) == .verified)
        let expired = VerificationConfig(scheme: .provider(.stripe), secrets: [SigningSecret("whsec_old", validUntil: now)])
        #expect(SignatureVerifier.verify(request(headers), config: expired) == .failed(reason: "no verification secret is configured or active for this source"))
    }

    @Test func toleranceOverride() {
        let signed = HMACAlgorithm.sha256.mac(key: Array("k".utf8), message: Array("v0:1700000000:".utf8) + body)
        let headers = [("X-Slack-Request-Timestamp", "1700000000"), ("X-Slack-Signature", "v0=" + SignatureEncoding.hex(signed))]
        let strict = VerificationConfig(scheme: .provider(.slack), secrets: [SigningSecret("k")], tolerance: 10)
        #expect(SignatureVerifier.verify(request(headers, at: now.addingTimeInterval(10)), config: strict) == .verified)
        #expect(SignatureVerifier.verify(request(headers, at: now.addingTimeInterval(11)), config: strict) == .failed(reason: "timestamp is outside the 10 s tolerance"))
    }

    @Test func constantTimeEquals() {
        #expect(SignatureEncoding.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!SignatureEncoding.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!SignatureEncoding.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(SignatureEncoding.constantTimeEquals([], []))
    }

    @Test func encodings() {
        #expect(SignatureEncoding.hex([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(SignatureEncoding.decodeHex("00ABff") == [0x00, 0xAB, 0xFF])
        #expect(SignatureEncoding.decodeHex("abc") == nil)
        #expect(SignatureEncoding.decodeHex("zz") == nil)
        #expect(SignatureEncoding.decodeBase64("aGk=") == Array("hi".utf8))
        #expect(SignatureEncoding.decodeBase64("aGk") == Array("hi".utf8))
        #expect(SignatureEncoding.decodeBase64("a") == nil)
        #expect(SignatureEncoding.decodeBase64("!!!!") == nil)
        #expect(SignatureEncoding.sha256Hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
