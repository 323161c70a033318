import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// The moto server the AWS destination tests deliver to (scripts/services/moto), and the
/// calls the tests make to set it up and read back what arrived, signed like any AWS client.
struct MotoClient {
    static let region = "us-east-1"
    static let account = "123456789012"
    static let credentials = SigV4.Credentials(accessKeyID: "AKIDMOTOEXAMPLE01", secretAccessKey: "moto-secret-key-0123456789-WXYZ")

    let url: String

    /// The server from `HOOKSTREAM_TEST_MOTO_URL`; a missing variable fails the test (the
    /// service must run: `scripts/with-services moto -- swift test …`).
    static func fromEnvironment() throws -> MotoClient {
        guard let url = ProcessInfo.processInfo.environment["HOOKSTREAM_TEST_MOTO_URL"], !url.isEmpty else {
            Issue.record("HOOKSTREAM_TEST_MOTO_URL is not set: run with scripts/with-services moto -- swift test …")
            throw MotoMissing()
        }
        return MotoClient(url: url)
    }

    struct MotoMissing: Error {}

    /// A name no other test uses.
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// The settings of a destination of this service, as a user would write them.
    func settings(_ fields: JSONObject) -> JSON {
        var config = fields
        config["region"] = .string(Self.region)
        config["access_key_id"] = .string(Self.credentials.accessKeyID)
        config["secret_access_key"] = .string(Self.credentials.secretAccessKey)
        config["endpoint_url"] = .string(url)
        return .object(config)
    }

    func send(_ service: String, _ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) async throws -> TestResponse {
        let request = SigV4.Request(method: method, url: url + path, headers: headers, body: body)
        let signed = SigV4(service: service, region: Self.region).headers(for: request, credentials: Self.credentials, date: Date())
        return try await TestHTTPClient(baseURL: url).request(method, path, body: body, headers: (headers + signed).map { ($0.name, $0.value) })
    }

    /// A JSON-protocol call (`AmazonSQS.CreateQueue`, `AWSEvents.PutRule`).
    @discardableResult
    func call(_ service: String, _ target: String, _ body: JSON, version: String = "1.0") async throws -> JSON {
        let response = try await send(
            service, "POST", "/", headers: [("Content-Type", "application/x-amz-json-\(version)"), ("X-Amz-Target", target)], body: body.serializedBytes())
        #expect(response.status == 200, "\(target): \(response.text)")
        return response.json
    }

    // MARK: - SQS

    func createQueue(_ name: String) async throws -> String {
        try #require(try await call("sqs", "AmazonSQS.CreateQueue", ["QueueName": .string(name)])["QueueUrl"]?.stringValue)
    }

    func queueURL(_ name: String) -> String { "\(url)/\(Self.account)/\(name)" }

    func queueARN(_ name: String) -> String { "arn:aws:sqs:\(Self.region):\(Self.account):\(name)" }

    /// The queue's messages (with their attributes), waiting up to `timeout` for at least `count`.
    func receive(_ queueURL: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws -> [JSON] {
        var messages: [JSON] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            let answer = try await call(
                "sqs", "AmazonSQS.ReceiveMessage",
                ["QueueUrl": .string(queueURL), "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"], "WaitTimeSeconds": 1])
            messages += answer["Messages"]?.arrayValue ?? []
        }
        return messages
    }

    // MARK: - S3

    func createBucket(_ name: String) async throws {
        let response = try await send("s3", "PUT", "/\(name)")
        #expect(response.status == 200, "CreateBucket: \(response.text)")
    }

    func getObject(_ bucket: String, _ key: String) async throws -> TestResponse {
        try await send("s3", "GET", "/\(bucket)/\(SigV4.encode(key, keepingSlash: true))")
    }

    /// The keys under `prefix` (ListObjectsV2).
    func keys(_ bucket: String, prefix: String) async throws -> [String] {
        let response = try await send("s3", "GET", "/\(bucket)?list-type=2&prefix=\(SigV4.encode(prefix, keepingSlash: false))")
        var keys: [String] = []
        var rest = Substring(response.text)
        while let open = rest.range(of: "<Key>"), let close = rest.range(of: "</Key>", range: open.upperBound..<rest.endIndex) {
            keys.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return keys
    }

    // MARK: - EventBridge

    func createEventBus(_ name: String) async throws -> String {
        try #require(try await call("events", "AWSEvents.CreateEventBus", ["Name": .string(name)], version: "1.1")["EventBusArn"]?.stringValue)
    }

    /// Routes every event of `source` on `bus` to the SQS queue `queue`.
    func route(bus: String, source: String, toQueue queue: String) async throws {
        let rule = Self.unique("rule")
        try await call(
            "events", "AWSEvents.PutRule",
            ["Name": .string(rule), "EventBusName": .string(bus), "EventPattern": .string(JSON.object(["source": [.string(source)]]).serialized())],
            version: "1.1")
        try await call(
            "events", "AWSEvents.PutTargets",
            ["Rule": .string(rule), "EventBusName": .string(bus), "Targets": [["Id": "queue", "Arn": .string(queueARN(queue))]]], version: "1.1")
    }
}
