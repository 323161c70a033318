import Foundation
import HookstreamCore
import Testing

/// Provider behaviours the shared vectors do not pin down.
@Suite struct ProviderSchemeTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func twilioSignature(_ signed: String, token: String = "tok") -> String {
        SignatureEncoding.base64(HMACAlgorithm.sha1.mac(key: Array(token.utf8), message: Array(signed.utf8)))
    }

    func twilio(url: String, body: String, signature: String, contentType: String = "application/x-www-form-urlencoded") -> VerificationResult {
        let request = SignedRequest(
            url: url, headers: [("Content-Type", contentType), ("X-Twilio-Signature", signature)],
            body: Array(body.utf8), now: now
        )
        return SignatureVerifier.verify(request, config: VerificationConfig(scheme: .provider(.twilio), secret: "tok"))
    }

    @Test func twilioSortsParametersAndDecodesThem() {
        // Sorted by name; a repeated name's values sorted; "+" and %XX decoded.
        let signed = "https://h.example/t" + "Aa" + "Bodyhi there & more" + "Zx1" + "Zx2"
        let body = "Zx=2&Body=hi+there+%26+more&Zx=1&A=a"
        #expect(twilio(url: "https://h.example/t", body: body, signature: twilioSignature(signed)) == .verified)
        #expect(twilio(url: "https://h.example/t", body: body + "&Extra=1", signature: twilioSignature(signed)) != .verified)
    }

    @Test func twilioAcceptsTheURLWithOrWithoutTheDefaultPort() {
        let signedWithPort = twilioSignature("http://h.example:80/t?x=1")
        #expect(twilio(url: "http://h.example/t?x=1", body: "", signature: signedWithPort) == .verified)
        let signedWithoutPort = twilioSignature("http://h.example/t?x=1")
        #expect(twilio(url: "http://h.example:80/t?x=1", body: "", signature: signedWithoutPort) == .verified)
        // A non-default port is part of the URL.
        #expect(twilio(url: "http://h.example:8080/t?x=1", body: "", signature: signedWithoutPort) != .verified)
    }

    @Test func gitHubPrefersTheSHA256Header() {
        let body = Array("{}".utf8)
        let sha1 = "sha1=" + SignatureEncoding.hex(HMACAlgorithm.sha1.mac(key: Array("k".utf8), message: body))
        let request = SignedRequest(
            url: "https://h.example/g", headers: [("X-Hub-Signature", sha1), ("X-Hub-Signature-256", "sha256=00")],
            body: body, now: now
        )
        // A valid legacy SHA-1 signature cannot rescue a wrong SHA-256 one (no downgrade).
        #expect(!SignatureVerifier.verify(request, config: VerificationConfig(scheme: .provider(.github), secret: "k")).isVerified)
    }

    @Test func postmarkMalformedCredentials() {
        let config = VerificationConfig(scheme: .provider(.postmark), secret: "user:pass")
        for value in ["Bearer abc", "Basic", "Basic !!!", SignatureEncoding.base64(Array("user:pass".utf8))] {
            let request = SignedRequest(url: "https://h.example/p", headers: [("Authorization", value)], body: [], now: now)
            #expect(!SignatureVerifier.verify(request, config: config).isVerified, "\(value)")
        }
        let good = SignedRequest(
            url: "https://h.example/p",
            headers: [("authorization", "basic " + SignatureEncoding.base64(Array("user:pass".utf8)))], body: [], now: now
        )
        #expect(SignatureVerifier.verify(good, config: config) == .verified)
    }

    @Test func sendGridAcceptsAPEMKeyAndRejectsABadSignature() throws {
        // The valid SendGrid vector, with its key re-wrapped as PEM.
        let cases = try #require(try Fixtures.json("provider-signatures/vectors.json").arrayValue)
        let vector = try #require(cases.first { $0["provider"] == "sendgrid" && $0["name"] == "valid" })
        let base64Key = try #require(vector["secret"]?.stringValue)
        var lines: [String] = []
        var rest = Substring(base64Key)
        while !rest.isEmpty { lines.append(String(rest.prefix(64))); rest = rest.dropFirst(64) }
        let pemKey = (["-----BEGIN PUBLIC KEY-----"] + lines + ["-----END PUBLIC KEY-----"]).joined(separator: "\n")
        let request = SignedRequest(
            url: "https://h.example/s", headers: Fixtures.headers(vector["headers"]),
            body: Array((vector["body"]?.stringValue ?? "").utf8), now: now
        )
        let pem = VerificationConfig(scheme: .provider(.sendgrid), secret: pemKey)
        #expect(SignatureVerifier.verify(request, config: pem) == .verified)
        var garbled = request
        garbled.headers = garbled.headers.map {
            $0.name == "X-Twilio-Email-Event-Webhook-Signature" ? ($0.name, "bm90IGEgc2lnbmF0dXJl") : $0
        }
        #expect(
            SignatureVerifier.verify(garbled, config: pem)
                == .failed(reason: "malformed X-Twilio-Email-Event-Webhook-Signature header: expected a base64 DER ECDSA signature")
        )
        let notAKey = VerificationConfig(scheme: .provider(.sendgrid), secret: "aGVsbG8=")
        #expect(SignatureVerifier.verify(request, config: notAKey) == .failed(reason: "verification secret is not a P-256 public key"))
    }

    @Test func genericStripeHeaderUsesStripesScheme() throws {
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let mac = HMACAlgorithm.sha256.mac(key: Array("whsec_x".utf8), message: Array("1700000000.".utf8) + body)
        let request = SignedRequest(
            url: "https://h.example/s", headers: [("Stripe-Signature", "t=1700000000,v1=" + SignatureEncoding.hex(mac))],
            body: body, now: now
        )
        let scheme = try #require(try VerificationScheme.resolve(verificationType: "hmac-sha256", header: "stripe-signature"))
        #expect(SignatureVerifier.verify(request, config: VerificationConfig(scheme: scheme, header: "stripe-signature", secret: "whsec_x")) == .verified)
    }

    @Test func linearWithoutTimestampFieldIsCheckedOnSignatureOnly() {
        let body = Array(#"{"action":"create"}"#.utf8)
        let signature = SignatureEncoding.hex(HMACAlgorithm.sha256.mac(key: Array("lin".utf8), message: body))
        let request = SignedRequest(url: "https://h.example/l", headers: [("Linear-Signature", signature)], body: body, now: now)
        #expect(SignatureVerifier.verify(request, config: VerificationConfig(scheme: .provider(.linear), secret: "lin")) == .verified)
    }
}
