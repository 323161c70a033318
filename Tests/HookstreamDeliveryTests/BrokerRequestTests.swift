import Foundation
import HookstreamCore
@testable import HookstreamDelivery
import JSONValue
import Testing

/// The requests the broker providers (RabbitMQ, Pub/Sub, Kafka) build, and how they read the
/// service's answers — no network.
@Suite struct BrokerRequestTests {
    static func message(_ body: [UInt8], contentType: String? = "application/json") -> OutboundMessage {
        AWSOperationTests.message(body, contentType: contentType)
    }

    static func answer(_ status: Int, _ body: String) -> ServiceHTTP.Answer {
        ServiceHTTP.Answer(status: status, headers: [:], body: Array(body.utf8))
    }

    static let rabbit = ProviderConfig([
        "url": "https://mq.example.com:15672/rabbit/", "vhost": "/", "exchange": "webhooks", "routing_key": "orders.created",
        "username": "hookstream", "password": "s3cret",
    ])

    @Test func rabbitMQPublishesPersistentThroughTheManagementAPI() throws {
        let request = try RabbitMQPublish.request(Self.message(Array(#"{"a":1}"#.utf8)), config: Self.rabbit, destinationID: "dst_1")
        #expect(request.method == "POST")
        #expect(request.url == "https://mq.example.com:15672/rabbit/api/exchanges/%2F/webhooks/publish")
        #expect(request.headers.contains { $0 == ("Authorization", "Basic aG9va3N0cmVhbTpzM2NyZXQ=") })
        let body = try JSON(parsing: request.body)
        #expect(body["routing_key"] == "orders.created")
        #expect(body["payload"] == #"{"a":1}"#)
        #expect(body["payload_encoding"] == "string")
        #expect(body["properties"]?["delivery_mode"] == 2)
        #expect(body["properties"]?["content_type"] == "application/json")
        #expect(body["properties"]?["message_id"] == "evt_abc")
        #expect(body["properties"]?["headers"]?["hookstream-source-id"] == "src_1")

        var other = Self.rabbit
        other.values["vhost"] = "team a/prod"
        let binary = try RabbitMQPublish.request(Self.message([0xFF, 0x00], contentType: nil), config: other, destinationID: "dst_1")
        #expect(binary.url.contains("/api/exchanges/team%20a%2Fprod/webhooks/publish"))
        let encoded = try JSON(parsing: binary.body)
        #expect(encoded["payload"] == "/wA=")
        #expect(encoded["payload_encoding"] == "base64")
        #expect(encoded["properties"]?["content_type"] == "application/octet-stream")
    }

    @Test func rabbitMQDeliversOnlyWhenRouted() {
        let routed = RabbitMQPublish.verdict(Self.answer(200, #"{"routed":true}"#), shown: [:], config: Self.rabbit)
        #expect(routed.outcome == .response(statusCode: 200))
        #expect(routed.error == nil)
        let dropped = RabbitMQPublish.verdict(Self.answer(200, #"{"routed":false}"#), shown: [:], config: Self.rabbit)
        #expect(dropped.outcome == .rejected(statusCode: 200))
        #expect(dropped.error?.contains("no queue is bound to exchange 'webhooks' for routing key 'orders.created'") == true)
        let odd = RabbitMQPublish.verdict(Self.answer(200, "ok"), shown: [:], config: Self.rabbit)
        #expect(odd.outcome == .rejected(statusCode: 200))
        let refused = RabbitMQPublish.verdict(
            Self.answer(400, #"{"error":"bad_request","reason":"404 NOT_FOUND - no exchange 'x' in vhost '/'"}"#), shown: [:], config: Self.rabbit)
        #expect(refused.outcome == .response(statusCode: 400))
        #expect(refused.error == "RabbitMQ error bad_request: 404 NOT_FOUND - no exchange 'x' in vhost '/' (HTTP 400)")
    }

    static let kafka = ProviderConfig([
        "bootstrap_servers": "pkc-abc12.eu-west-1.aws.confluent.cloud:9092,pkc-abc13.eu-west-1.aws.confluent.cloud:9092",
        "cluster_id": "lkc-xyz", "topic": "webhook-events", "api_key": "ABCDEFGHIJKLMNOP", "api_secret": "s3cret",
    ])

    @Test func kafkaProducesOneRecordThroughConfluentsV3API() throws {
        let request = try KafkaProduce.request(Self.message(Array(#"{"a":[1,2]}"#.utf8)), config: Self.kafka, destinationID: "dst_1")
        #expect(request.method == "POST")
        // Confluent Cloud's rule: HTTPS on the first bootstrap server's host.
        #expect(request.url == "https://pkc-abc12.eu-west-1.aws.confluent.cloud/kafka/v3/clusters/lkc-xyz/topics/webhook-events/records")
        #expect(request.headers.contains { $0 == ("Authorization", "Basic " + Data("ABCDEFGHIJKLMNOP:s3cret".utf8).base64EncodedString()) })
        let body = try JSON(parsing: request.body)
        #expect(body["value"] == ["type": "JSON", "data": ["a": [1, 2]]])
        #expect(body["key"] == ["type": "BINARY", "data": .string(Data("evt_abc".utf8).base64EncodedString())])
        let headers = body["headers"]?.arrayValue ?? []
        let decoded = headers.map { ($0["name"]?.stringValue ?? "", String(decoding: Data(base64Encoded: $0["value"]?.stringValue ?? "") ?? Data(), as: UTF8.self)) }
        #expect(decoded.map { $0.0 } == ["hookstream-event-id", "hookstream-destination-id", "hookstream-source-id", "content-type"])
        #expect(decoded.map { $0.1 } == ["evt_abc", "dst_1", "src_1", "application/json"])

        // A body that is not JSON goes as bytes.
        let binary = try JSON(parsing: KafkaProduce.request(Self.message([0xFF, 0x00], contentType: nil), config: Self.kafka, destinationID: "dst_1").body)
        #expect(binary["value"] == ["type": "BINARY", "data": "/wA="])
        #expect(binary["headers"]?.arrayValue?.count == 3)

        // rest_endpoint: the v3 path goes under it, unless it already ends with /v3.
        var custom = Self.kafka
        custom.values["rest_endpoint"] = "http://127.0.0.1:8082/"
        #expect(try KafkaProduce.recordsURL(custom) == "http://127.0.0.1:8082/kafka/v3/clusters/lkc-xyz/topics/webhook-events/records")
        custom.values["rest_endpoint"] = "http://rest-proxy:8082/v3"
        #expect(try KafkaProduce.recordsURL(custom) == "http://rest-proxy:8082/v3/clusters/lkc-xyz/topics/webhook-events/records")

        #expect(KafkaProduce.bootstrapHost("[::1]:9092") == "[::1]")
        for bad in ["pkc-abc12", "host:0", "host:9092,", "https://host:9092", "a b:1"] { #expect(KafkaProduce.bootstrapHost(bad) == nil, "\(bad)") }
    }

    @Test func kafkaDeliversOnlyWhenTheRecordsErrorCodeIs200() {
        let written = KafkaProduce.verdict(
            Self.answer(200, #"{"error_code":200,"cluster_id":"lkc-xyz","topic_name":"webhook-events","partition_id":0,"offset":7}"#), shown: [:],
            config: Self.kafka)
        #expect(written.outcome == .response(statusCode: 200))
        #expect(written.error == nil)
        let refused = KafkaProduce.verdict(Self.answer(200, #"{"error_code":50003,"message":"Leader not available"}"#), shown: [:], config: Self.kafka)
        #expect(refused.outcome == .rejected(statusCode: 200))
        #expect(refused.error == "Kafka did not write the record to topic 'webhook-events': error 50003: Leader not available")
        let silent = KafkaProduce.verdict(Self.answer(200, "{}"), shown: [:], config: Self.kafka)
        #expect(silent.outcome == .rejected(statusCode: 200))
        let missing = KafkaProduce.verdict(
            Self.answer(404, #"{"error_code":40403,"message":"This server does not host this topic-partition."}"#), shown: [:], config: Self.kafka)
        #expect(missing.outcome == .response(statusCode: 404))
        #expect(missing.error == "Kafka REST error 40403: This server does not host this topic-partition. (HTTP 404)")
        let plain = KafkaProduce.verdict(Self.answer(502, "Bad Gateway"), shown: [:], config: Self.kafka)
        #expect(plain.error == "Kafka REST error: Bad Gateway (HTTP 502)")
    }
}
