import Foundation
import HookstreamCore
import JSONValue
import Testing

@Suite struct OutboundSignerTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000.75)
    let body = Array(#"{"id":"evt_1","amount":2999}"#.utf8)

    func inbound(_ headers: [(name: String, value: String)], at time: Date? = nil) -> SignedRequest {
        SignedRequest(url: "https://receiver.example.com/hook", headers: headers, body: body, now: time ?? now)
    }

    @Test func defaultsFollowTheGuide() throws {
        let config = try OutboundSigningConfig(json: ["secret": "your_secret_here"])
        #expect(config.algorithm == .sha256)
        #expect(config.header == "X-hookstream-Signature")
        #expect(config.prefix == "sha256=")
        #expect(!config.includeTimestamp)
        #expect(config.timestampHeader == "X-hookstream-Signature-Timestamp")
        let sha1 = try OutboundSigningConfig(json: ["secret": "s", "algorithm": "hmac-sha1"])
        #expect(sha1.prefix == "sha1=")
        let bare = try OutboundSigningConfig(json: ["secret": "s", "prefix": ""])
        #expect(bare.prefix == "")
    }

    @Test func sha256HeaderIsPrefixedHexOfTheBodyAndVerifiesInbound() throws {
        let config = try OutboundSigningConfig(json: ["secret": "your_secret_here", "algorithm": "sha256"])
        let headers = OutboundSigner.headers(config: config, eventID: "evt_1", body: body, now: now)
        #expect(headers.count == 1)
        let expected = HMACAlgorithm.sha256.mac(key: Array("your_secret_here".utf8), message: body)
        #expect(headers[0].name == "X-hookstream-Signature")
        #expect(headers[0].value == "sha256=" + SignatureEncoding.hex(expected))
        #expect(headers[0].value.count == 7 + 64)
        let verify = VerificationConfig(scheme: .hmac(.sha256), header: "x-hookstream-signature", secret: "your_secret_here")
        #expect(SignatureVerifier.verify(inbound(headers), config: verify) == .verified)
    }

    @Test func streamhookSendsItsHeadersAndSignsTheBodyWhenASecretIsSet() throws {
        let config = try OutboundSigningConfig(json: ["secret": "whsec_x", "algorithm": "streamhook"])
        let headers = OutboundSigner.headers(config: config, eventID: "evt_1", body: body, now: now)
        let expected = HMACAlgorithm.sha256.mac(key: Array("whsec_x".utf8), message: body)
        #expect(headers.map(\.name) == ["X-StreamHook-Event-ID", "X-StreamHook-Timestamp", "X-StreamHook-Signature"])
        #expect(headers.map(\.value) == ["evt_1", "1700000000", "sha256=" + SignatureEncoding.hex(expected)])
        // Signing is optional: no secret, no signature, the other headers still.
        let unsigned = try OutboundSigningConfig(json: ["algorithm": "streamhook"])
        #expect(OutboundSigner.headers(config: unsigned, eventID: "evt_1", body: body, now: now).map(\.name) == ["X-StreamHook-Event-ID", "X-StreamHook-Timestamp"])
        // Every other algorithm still needs a secret.
        #expect(throws: PolicyValidationError.self) { try OutboundSigningConfig(json: ["algorithm": "sha256"]) }
        #expect(throws: PolicyValidationError.self) { try OutboundSigningConfig(json: ["secret": "", "algorithm": "sha256"]) }
    }

    @Test func sha1VerifiesInbound() throws {
        let config = try OutboundSigningConfig(json: ["secret": "k", "algorithm": "sha1", "header": "X-Sig"])
        let headers = OutboundSigner.headers(config: config, eventID: "evt_1", body: body, now: now)
        #expect(headers[0].value.count == 5 + 40)
        let verify = VerificationConfig(scheme: .hmac(.sha1), header: "X-Sig", secret: "k")
        #expect(SignatureVerifier.verify(inbound(headers), config: verify) == .verified)
        let wrong = VerificationConfig(scheme: .hmac(.sha1), header: "X-Sig", secret: "other")
        #expect(!SignatureVerifier.verify(inbound(headers), config: wrong).isVerified)
    }

    @Test func includeTimestampSignsSecondsDotBody() throws {
        let config = try OutboundSigningConfig(json: ["secret": "k", "include_timestamp": true])
        let headers = OutboundSigner.headers(config: config, eventID: "evt_1", body: body, now: now)
        #expect(headers.count == 2)
        #expect(headers[1].name == "X-hookstream-Signature-Timestamp")
        #expect(headers[1].value == "1700000000")
        let expected = HMACAlgorithm.sha256.mac(key: Array("k".utf8), message: Array("1700000000.".utf8) + body)
        #expect(headers[0].value == "sha256=" + SignatureEncoding.hex(expected))
        let verify = VerificationConfig(
            scheme: .hmac(.sha256), header: "X-hookstream-Signature",
            timestampHeader: "X-hookstream-Signature-Timestamp", secrets: [SigningSecret("k")]
        )
        #expect(SignatureVerifier.verify(inbound(headers), config: verify) == .verified)
        #expect(!SignatureVerifier.verify(inbound(headers, at: now.addingTimeInterval(600)), config: verify).isVerified)
    }

    @Test func standardWebhooksVerifiesInbound() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let config = try OutboundSigningConfig(json: ["secret": .string(secret), "algorithm": "standard-webhooks"])
        let headers = OutboundSigner.headers(config: config, eventID: "evt_abc", body: body, now: now)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[0].value == "evt_abc")
        #expect(headers[1].value == "1700000000")
        #expect(headers[2].value.hasPrefix("v1,"))
        let verify = VerificationConfig(scheme: .standardWebhooks, secret: secret)
        #expect(SignatureVerifier.verify(inbound(headers), config: verify) == .verified)
        #expect(SignatureVerifier.verify(inbound(headers), config: VerificationConfig(scheme: .provider(.svix), secret: secret)) == .verified)
    }

    @Test func invalidConfigs() {
        let cases: [(JSON, String)] = [
            ([:], "signing_config.secret"),
            (["secret": ""], "signing_config.secret"),
            (["secret": 5], "signing_config.secret"),
            (["secret": "s", "algorithm": "md5"], "signing_config.algorithm"),
            (["secret": "s", "include_timestamp": "yes"], "signing_config.include_timestamp"),
            (["secret": "s", "header": "Bad Header"], "signing_config.header"),
            (["secret": "s", "timestamp_header": "X-T\r\nInjected: 1"], "signing_config.timestamp_header"),
            (["secret": "plain", "algorithm": "standard_webhooks"], "signing_config.secret"),
            ("sha256", "signing_config"),
        ]
        for (json, field) in cases {
            #expect(throws: PolicyValidationError.self) { try OutboundSigningConfig(json: json) }
            do {
                _ = try OutboundSigningConfig(json: json)
            } catch {
                #expect(error.field == field, "\(json)")
            }
        }
    }

    @Test func jsonRoundTrip() throws {
        let config = try OutboundSigningConfig(json: ["secret": "s", "algorithm": "hmac_sha1", "include_timestamp": true])
        #expect(config.json["algorithm"] == "sha1")
        #expect(try OutboundSigningConfig(json: config.json) == config)
    }
}
