import Foundation
import HookstreamCore
import JSONValue
import Testing

@Suite struct SourceTemplateTests {
    @Test func listsTheFifteenTemplatesTheSpecNames() {
        let ids = SourceTemplate.all.map(\.id)
        #expect(ids.count == 15)
        #expect(Set(ids).count == 15)
        for expected in [
            "stripe", "shopify", "github", "slack", "twilio", "sendgrid", "intercom", "linear",
            "clerk", "svix", "paddle", "resend", "postmark", "typeform", "custom",
        ] {
            #expect(ids.contains(expected), "missing template \(expected)")
        }
        // The spec's response example lists Stripe then GitHub first.
        #expect(Array(ids.prefix(2)) == ["stripe", "github"])
    }

    @Test func lookupIsCaseInsensitive() {
        #expect(SourceTemplate.named("GitHub")?.verificationHeader == "X-Hub-Signature-256")
        #expect(SourceTemplate.named("nope") == nil)
    }

    @Test func encodesWithTheSpecsSnakeCaseKeys() throws {
        let data = try JSONEncoder().encode(SourceTemplate.named("stripe")!)
        let json = try JSON(parsing: data)
        #expect(json["id"] == .string("stripe"))
        #expect(json["name"] == .string("Stripe"))
        #expect(json["verification_type"] == .string("hmac_sha256"))
        #expect(json["verification_header"] == .string("Stripe-Signature"))
        #expect(
            json["description"]
                == .string("Receive Stripe webhook events with HMAC-SHA256 signature verification.")
        )
        let custom = try JSON(parsing: JSONEncoder().encode(SourceTemplate.named("custom")!))
        #expect(custom["verification_header"] == .null)
        let decoded = try JSONDecoder().decode(SourceTemplate.self, from: data)
        #expect(decoded == SourceTemplate.named("stripe"))
    }
}

@Suite struct SourceTemplateJSONTests {
    @Test func jsonMatchesTheCodableEncoding() throws {
        for template in SourceTemplate.all {
            let encoded = try JSON(parsing: JSONEncoder().encode(template))
            #expect(template.json == encoded)
        }
    }
}
