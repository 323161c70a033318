import Foundation
import HookstreamCore
import JSONValue
import Testing

/// Runs every vector of the two signature suites; both counts are printed and every vector
/// must produce its `expect_valid` outcome.
@Suite struct ConformanceVectorTests {
    @Test func standardWebhooksVectors() throws {
        let cases = try #require(try Fixtures.json("standard-webhooks/vectors.json").arrayValue)
        #expect(cases.count == 39)
        var passed = 0
        var failures: [String] = []
        for vector in cases {
            let name = vector["name"]?.stringValue ?? "?"
            let request = SignedRequest(
                url: "https://hooks.example.com/v1/ingest/src_test",
                headers: Fixtures.headers(vector["headers"]),
                body: Array((vector["body"]?.stringValue ?? "").utf8),
                now: Fixtures.date(vector["now"])
            )
            let config = VerificationConfig(
                scheme: .standardWebhooks,
                secrets: [SigningSecret(vector["secret"]?.stringValue ?? "")],
                tolerance: vector["tolerance_seconds"]?.numberValue
            )
            let result = SignatureVerifier.verify(request, config: config)
            if result.isVerified == vector["expect_valid"]?.boolValue {
                passed += 1
            } else {
                failures.append("\(name): got \(result)")
            }
        }
        print("Standard Webhooks vectors: \(passed) passed, \(failures.count) failed")
        #expect(failures.isEmpty, "\(failures)")
        #expect(passed == cases.count)
    }

    @Test func providerSignatureVectors() throws {
        let cases = try #require(try Fixtures.json("provider-signatures/vectors.json").arrayValue)
        #expect(cases.count == 88)
        var passed = 0
        var failures: [String] = []
        for vector in cases {
            let providerName = vector["provider"]?.stringValue ?? "?"
            let name = "\(providerName)/\(vector["name"]?.stringValue ?? "?")"
            guard let provider = SignatureProvider(rawValue: providerName) else {
                failures.append("\(name): no such provider")
                continue
            }
            // Each vector is verified through the template, as a source created from it would be.
            #expect(SourceTemplate.named(providerName) != nil)
            let scheme = try VerificationScheme.resolve(verificationType: nil, template: providerName)
            #expect(scheme == .provider(provider))
            let request = SignedRequest(
                method: vector["method"]?.stringValue ?? "POST",
                url: vector["url"]?.stringValue ?? "",
                headers: Fixtures.headers(vector["headers"]),
                body: Array((vector["body"]?.stringValue ?? "").utf8),
                now: Fixtures.date(vector["now"])
            )
            let config = VerificationConfig(scheme: .provider(provider), secret: vector["secret"]?.stringValue ?? "")
            let result = SignatureVerifier.verify(request, config: config)
            if result.isVerified == vector["expect_valid"]?.boolValue {
                passed += 1
            } else {
                failures.append("\(name): got \(result)")
            }
        }
        print("Provider signature vectors: \(passed) passed, \(failures.count) failed")
        #expect(failures.isEmpty, "\(failures)")
        #expect(passed == cases.count)
    }
}
