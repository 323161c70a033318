import Foundation
import HookstreamCore
import JSONValue
import Testing

/// Every step of AWS Signature V4 against botocore's signer, for the requests the SQS, S3 and
/// EventBridge providers make (Fixtures/sigv4/vectors.json, from scripts/generate-sigv4-vectors).
@Suite struct SigV4VectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let json: JSON
        var testDescription: String { json["name"]?.stringValue ?? "?" }

        var signer: SigV4 { SigV4(service: json["service"]?.stringValue ?? "", region: json["region"]?.stringValue ?? "") }
        var date: Date { Date(timeIntervalSince1970: json["timestamp"]?.numberValue ?? 0) }
        var payload: SigV4.Payload { json["payload"] == "unsigned" ? .unsigned : .signed }
        var expected: JSON { json["expected"] ?? .null }

        var credentials: SigV4.Credentials {
            let c = json["credentials"]
            return SigV4.Credentials(
                accessKeyID: c?["access_key_id"]?.stringValue ?? "", secretAccessKey: c?["secret_access_key"]?.stringValue ?? "",
                sessionToken: c?["session_token"]?.stringValue)
        }

        var request: SigV4.Request {
            SigV4.Request(
                method: json["method"]?.stringValue ?? "", url: json["url"]?.stringValue ?? "",
                headers: (json["headers"]?.objectValue ?? [:]).map { ($0.key, $0.value.stringValue ?? "") },
                body: Array(Data(base64Encoded: json["body_base64"]?.stringValue ?? "") ?? Data()))
        }
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sigv4/vectors.json")
        let json = (try? JSON(parsing: Data(contentsOf: url))) ?? .null
        return (json["vectors"]?.arrayValue ?? []).map(Vector.init)
    }()

    @Test func theFixtureCoversEveryService() {
        let services = Set(Self.vectors.compactMap { $0.json["service"]?.stringValue })
        #expect(services == ["sqs", "s3", "events"])
        #expect(Self.vectors.contains { $0.payload == .unsigned })
        #expect(Self.vectors.count >= 12)
    }

    @Test(arguments: vectors) func everyStepMatchesBotocore(_ vector: Vector) {
        let signer = vector.signer
        let signed = signer.signedRequest(vector.request, credentials: vector.credentials, date: vector.date, payload: vector.payload)
        let canonical = signer.canonicalRequest(signed)
        #expect(canonical == vector.expected["canonical_request"]?.stringValue)
        let toSign = signer.stringToSign(canonicalRequest: canonical, date: vector.date)
        #expect(toSign == vector.expected["string_to_sign"]?.stringValue)
        #expect(SigV4.hex(signer.signingKey(secretAccessKey: vector.credentials.secretAccessKey, date: vector.date)) == vector.expected["signing_key_hex"]?.stringValue)
        #expect(SigV4.hex(signer.signature(stringToSign: toSign, credentials: vector.credentials, date: vector.date)) == vector.expected["signature"]?.stringValue)

        // The headers a provider adds are exactly botocore's.
        let added = signer.headers(for: vector.request, credentials: vector.credentials, date: vector.date, payload: vector.payload)
        let expectedHeaders = vector.expected["headers"]?.objectValue ?? [:]
        let wanted = Dictionary(uniqueKeysWithValues: expectedHeaders.map { ($0.key, $0.value.stringValue ?? "") })
        #expect(Dictionary(uniqueKeysWithValues: added.map { ($0.name, $0.value) }) == wanted)
    }

    @Test func aChangedBodyOrTimeChangesTheSignature() throws {
        let vector = try #require(Self.vectors.first { $0.json["service"] == "sqs" })
        let base = vector.signer.headers(for: vector.request, credentials: vector.credentials, date: vector.date)
        var changed = vector.request
        changed.body += Array(" ".utf8)
        #expect(vector.signer.headers(for: changed, credentials: vector.credentials, date: vector.date).last?.value != base.last?.value)
        #expect(vector.signer.headers(for: vector.request, credentials: vector.credentials, date: vector.date + 1).last?.value != base.last?.value)
    }
}
