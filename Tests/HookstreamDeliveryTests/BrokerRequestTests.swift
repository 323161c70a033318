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
        let request = try RabbitMQPublish.request(Self.message(Array(#"{"a":1}"#.utf8)), config: Self.rabbit)
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
        let binary = try RabbitMQPublish.request(Self.message([0xFF, 0x00], contentType: nil), config: other)
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
}
