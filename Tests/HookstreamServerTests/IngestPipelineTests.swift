import Crypto
import Foundation
import HookstreamCore
@testable import HookstreamServer
import JSONValue
import Testing

/// The deciding steps of ingest, without a server: screening, verification and the dedup
/// stamp are pure functions of the source's policy and the request.
@Suite struct IngestPipelineTests {
    static let secrets = SecretBox(encodedKey: SecretBox.generateEncodedKey())!
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    static func policy(_ configure: (inout Source) throws -> Void = { _ in }) throws -> SourcePolicy {
        var source = Source(
            id: ResourceID.make(.source), tenant: Tenant(organizationID: "org_1", environmentID: "env_1"), name: "s", slug: "s",
            createdAt: 0, updatedAt: 0)
        try configure(&source)
        return try SourcePolicy(source, secrets: secrets)
    }

    static func arrival(body: String = #"{"data":{"id":"pay_1"},"amount":5}"#, headers: [(name: String, value: String)] = [], ip: String = "10.1.2.3")
        -> IngestPipeline.Arrival
    {
        IngestPipeline.Arrival(
            method: "POST", url: "http://127.0.0.1/v1/ingest/src", headers: headers, query: [:], contentType: "application/json",
            clientIP: IPAddress(ip), body: Array(body.utf8))
    }

    static func signature(_ body: String, _ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    @Test func screeningFollowsTheIPLists() throws {
        let open = try Self.policy()
        #expect(IngestPipeline.screen(open, clientIP: IPAddress("203.0.113.9")) == nil)
        let listed = try Self.policy {
            $0.ipAllowlist = ["10.0.0.0/8"]
            $0.ipDenylist = ["10.9.0.0/16"]
        }
        #expect(IngestPipeline.screen(listed, clientIP: IPAddress("10.1.2.3")) == nil)
        #expect(IngestPipeline.screen(listed, clientIP: IPAddress("10.9.1.1"))?.reason == "ip_denied")
        #expect(IngestPipeline.screen(listed, clientIP: IPAddress("192.0.2.1"))?.error.status == .forbidden)
    }

    @Test func verificationNamesTheEventsStatusOrTheRefusal() throws {
        let body = #"{"amount":5}"#
        let signed = try Self.policy {
            $0.verificationType = "hmac_sha256"
            $0.verificationHeader = "X-Signature"
            $0.sealedSecret = try Self.secrets.seal("s3cret")
        }
        let good = Self.arrival(body: body, headers: [(name: "X-Signature", value: Self.signature(body, "s3cret"))])
        #expect(try IngestPipeline.verify(signed, good, now: Self.now).get() == .verified)
        let forged = Self.arrival(body: body, headers: [(name: "X-Signature", value: Self.signature(body, "guess"))])
        guard case .failure(let refusal) = IngestPipeline.verify(signed, forged, now: Self.now) else {
            Issue.record("a forged signature was accepted")
            return
        }
        #expect(refusal.reason == "signature")
        #expect(refusal.error.status == .unauthorized)
        #expect(try IngestPipeline.verify(try Self.policy(), forged, now: Self.now).get() == .unverified)

        let schema: JSON = ["type": "object", "required": ["amount"], "properties": ["amount": ["type": "number", "minimum": 10]]]
        let strict = try Self.policy {
            $0.schemaValidationEnabled = true
            $0.jsonSchema = schema
        }
        guard case .failure(let invalid) = IngestPipeline.verify(strict, Self.arrival(body: body), now: Self.now) else {
            Issue.record("an invalid payload passed a rejecting schema")
            return
        }
        #expect(invalid.reason == "schema")
        #expect(invalid.error.status == .unprocessableContent)
        #expect(invalid.error.extra["validation_errors"]?[0]?["path"] == "/amount")
        let lenient = try Self.policy {
            $0.schemaValidationEnabled = true
            $0.jsonSchema = schema
            $0.schemaAction = "warn"
        }
        #expect(try IngestPipeline.verify(lenient, Self.arrival(body: body), now: Self.now).get() == .schemaInvalid)
        #expect(try IngestPipeline.verify(lenient, Self.arrival(body: #"{"amount":50}"#), now: Self.now).get() == .unverified)
    }

    @Test func theDedupWindowIsCountedFromTheEventsReceptionTime() throws {
        #expect(IngestPipeline.dedupStamp(try Self.policy(), Self.arrival(), receivedAt: 1000) == nil)
        let byField = try Self.policy {
            $0.dedupStrategy = "body_field"
            $0.dedupField = "data.id"
            $0.dedupWindowSeconds = 90
        }
        let stamp = try #require(IngestPipeline.dedupStamp(byField, Self.arrival(), receivedAt: 1000))
        #expect(stamp.expiresAt == 91_000)
        #expect(stamp.keyHash.count == 64)
        // The same key in another body is the same stamp key; a body without the field has none.
        #expect(IngestPipeline.dedupStamp(byField, Self.arrival(body: #"{"data":{"id":"pay_1"},"amount":6}"#), receivedAt: 5000)?.keyHash == stamp.keyHash)
        #expect(IngestPipeline.dedupStamp(byField, Self.arrival(body: #"{"data":{"id":"pay_2"}}"#), receivedAt: 1000)?.keyHash != stamp.keyHash)
        #expect(IngestPipeline.dedupStamp(byField, Self.arrival(body: #"{"other":1}"#), receivedAt: 1000) == nil)
    }

    @Test func theEventKeepsTheRequestAsItArrived() throws {
        let source = Source(
            id: ResourceID.make(.source), tenant: Tenant(organizationID: "org_1", environmentID: "env_1"), name: "s", slug: "s", createdAt: 0,
            updatedAt: 0)
        let arrival = Self.arrival(headers: [(name: "x-tag", value: "a"), (name: "x-tag", value: "b")])
        let event = IngestPipeline.event(
            id: "evt_1", source: source, arrival, body: .inline(arrival.body), verificationStatus: .unverified, receivedAt: 42)
        #expect(event.headers["x-tag"] == "a, b")
        #expect(event.sourceIP == "10.1.2.3")
        #expect(event.bodySize == arrival.body.count)
        #expect(event.status == .received && event.tenant == source.tenant && event.receivedAt == 42)
    }
}
