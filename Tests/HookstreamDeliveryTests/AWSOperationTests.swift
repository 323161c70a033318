import Foundation
import HookstreamCore
@testable import HookstreamDelivery
import JSONValue
import Testing

/// The requests the AWS providers build, and how they read AWS's answers — no network.
@Suite struct AWSOperationTests {
    static let now = Date(timeIntervalSince1970: 1_772_366_400)  // 2026-03-01T12:00:00Z
    static func message(_ body: [UInt8], contentType: String? = "application/json") -> OutboundMessage {
        OutboundMessage(
            eventID: "evt_abc", attemptNumber: 1, body: body, contentType: contentType, now: now,
            event: EventFacts(sourceID: "src_1", method: "POST", headers: ["x-shop": "berlin"], receivedAt: 1_767_225_599_000))
    }
    static func config(_ fields: JSONObject) -> ProviderConfig {
        var values: JSONObject = ["region": "eu-west-1", "access_key_id": "AKIAEXAMPLE123456", "secret_access_key": "secret"]
        for (key, value) in fields { values[key] = value }
        return ProviderConfig(values)
    }

    @Test func sqsSendMessageOnAFIFOQueueAndWithABinaryBody() throws {
        let queue = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo"
        let request = try SQSSendMessage.request(Self.message(Array(#"{"a":1}"#.utf8)), config: Self.config(["queue_url": .string(queue), "message_group_id": "g1"]))
        #expect(request.url == "https://sqs.eu-west-1.amazonaws.com/")
        #expect(request.headers.contains { $0 == ("X-Amz-Target", "AmazonSQS.SendMessage") })
        let body = try JSON(parsing: request.body)
        #expect(body["QueueUrl"] == .string(queue))
        #expect(body["MessageBody"] == #"{"a":1}"#)
        #expect(body["MessageGroupId"] == "g1")
        #expect(body["MessageDeduplicationId"] == "evt_abc")
        #expect(body["MessageAttributes"]?["hookstream-source-id"]?["StringValue"] == "src_1")

        let binary = try JSON(parsing: SQSSendMessage.request(Self.message([0xFF, 0x00, 0x01]), config: Self.config(["queue_url": "http://127.0.0.1:9/1/q"])).body)
        #expect(binary["MessageBody"] == "/wAB")
        #expect(binary["MessageAttributes"]?["hookstream-body-encoding"]?["StringValue"] == "base64")
        #expect(binary["MessageGroupId"] == nil)
    }

    @Test func s3KeysURLsAndObjectFormat() throws {
        let config = Self.config(["bucket": "archive", "prefix": "webhooks/", "format": "json"])
        let request = try S3PutObject.request(Self.message(Array(#"{"a":1}"#.utf8)), config: config)
        // Received 2025-12-31T23:59:59Z: the key is that day's, whatever the time of sending.
        #expect(request.url == "https://archive.s3.eu-west-1.amazonaws.com/webhooks/2025/12/31/evt_abc.json")
        #expect(S3PutObject.payload(for: request) == .unsigned)
        let object = try JSON(parsing: request.body)
        #expect(object["body"] == ["a": 1])
        #expect(object["source_id"] == "src_1")
        #expect(object["headers"]?["x-shop"] == "berlin")
        #expect(object["received_at"] == "2025-12-31T23:59:59.000Z" || object["received_at"] == "2025-12-31T23:59:59Z")

        let raw = Self.config(["bucket": "my.archive", "prefix": "", "format": "raw", "endpoint_url": "http://127.0.0.1:9000/"])
        let binary = try S3PutObject.request(Self.message([1, 2, 3], contentType: nil), config: raw)
        #expect(binary.url == "http://127.0.0.1:9000/my.archive/2025/12/31/evt_abc.bin")
        #expect(binary.body == [1, 2, 3])
        #expect(binary.headers.contains { $0 == ("Content-Type", "application/octet-stream") })
        #expect(S3PutObject.payload(for: binary) == .signed)
        #expect(S3PutObject.objectKey(prefix: "a b/", eventID: "e", receivedAt: Self.now, ext: "json") == "a b/2026/03/01/e.json")
        #expect(S3PutObject.objectURL(bucket: "b", key: "a b/é.json", config: raw) == "http://127.0.0.1:9000/b/a%20b/%C3%A9.json")
    }

    @Test func eventBridgeDetailAndFailedEntries() throws {
        let config = Self.config(["event_bus_arn": "default", "source": "shop", "detail_type": "Order"])
        let entry = try JSON(parsing: EventBridgePutEvents.request(Self.message(Array("[1,2]".utf8)), config: config).body)["Entries"]?[0]
        #expect(entry?["EventBusName"] == "default")
        #expect(entry?["Detail"] == #"{"body":[1,2]}"#)
        #expect(EventBridgePutEvents.detail(Array(#"{"x":true}"#.utf8)) == ["x": true])
        #expect(EventBridgePutEvents.detail(Array("hi".utf8)) == ["body": "hi"])

        let ok = AWSTransport.Answer(status: 200, headers: [:], body: Array(#"{"FailedEntryCount":0,"Entries":[{"EventId":"1"}]}"#.utf8))
        #expect(EventBridgePutEvents.inspect(ok) == nil)
        let failed = AWSTransport.Answer(
            status: 200, headers: [:], body: Array(#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"ThrottlingException","ErrorMessage":"Rate exceeded"}]}"#.utf8))
        let verdict = try #require(EventBridgePutEvents.inspect(failed))
        #expect(verdict.outcome == .rejected(statusCode: 200))
        #expect(verdict.error?.contains("ThrottlingException: Rate exceeded") == true)
    }

    @Test func awsErrorsAreReadFromJSONXMLAndHeaders() {
        let json = AWSError(status: 400, headers: [:], body: Array(#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#.utf8))
        #expect(json == AWSError(status: 400, code: "QueueDoesNotExist", message: "The specified queue does not exist."))
        let xml = AWSError(status: 403, headers: [:], body: Array("<Error><Code>AccessDenied</Code><Message>a &amp; b</Message></Error>".utf8))
        #expect(xml.description == "AWS error AccessDenied: a & b (HTTP 403)")
        let header = AWSError(status: 400, headers: ["x-amzn-errortype": "ValidationException:http://internal.amazon.com/"], body: [])
        #expect(header.code == "ValidationException")
    }
}
