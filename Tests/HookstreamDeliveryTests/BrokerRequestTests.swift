import Foundation
import HookstreamCore
@testable import HookstreamDelivery
import JSONValue
import Testing
import Crypto
import _CryptoExtras

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

    static let pubsub = ProviderConfig(["project_id": "my-project", "topic_id": "webhook-events", "endpoint_url": "http://127.0.0.1:8085/"])

    @Test func pubSubPublishesTheBodyBase64WithEventAndSourceAttributes() throws {
        let request = try PubSubProvider.request(Self.message([0xFF, 0x00, 0x41]), config: Self.pubsub, token: "ya29.token")
        #expect(request.method == "POST")
        #expect(request.url == "http://127.0.0.1:8085/v1/projects/my-project/topics/webhook-events:publish")
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer ya29.token") })
        let message = try #require(try JSON(parsing: request.body)["messages"]?.arrayValue?.first)
        #expect(message["data"] == "/wBB")
        #expect(message["attributes"] == ["event_id": "evt_abc", "source_id": "src_1", "content_type": "application/json"])
        var google = Self.pubsub
        google.values["endpoint_url"] = nil
        #expect(try PubSubProvider.request(Self.message([]), config: google, token: "t").url.hasPrefix("https://pubsub.googleapis.com/v1/projects/"))
    }

    @Test func pubSubDeliversOnlyWithAMessageID() {
        let published = PubSubProvider.verdict(Self.answer(200, #"{"messageIds":["4"]}"#), shown: [:])
        #expect(published.outcome == .response(statusCode: 200))
        #expect(published.error == nil)
        let silent = PubSubProvider.verdict(Self.answer(200, "{}"), shown: [:])
        #expect(silent.outcome == .rejected(statusCode: 200))
        let missing = PubSubProvider.verdict(Self.answer(404, #"{"error":{"code":404,"message":"Topic not found","status":"NOT_FOUND"}}"#), shown: [:])
        #expect(missing.outcome == .response(statusCode: 404))
        #expect(missing.error == "Pub/Sub error NOT_FOUND: Topic not found (HTTP 404)")
    }

    @Test func theServiceAccountJWTIsSignedRS256WithTheKeysClaims() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let file: JSON = [
            "type": "service_account", "client_email": "hs@p.iam.gserviceaccount.com", "private_key_id": "kid1",
            "private_key": .string(key.pkcs8PEMRepresentation), "token_uri": "http://127.0.0.1:9/token",
        ]
        let account = try GoogleServiceAccount(json: file.serialized())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let jwt = try account.assertion(scope: PubSubProvider.scope, now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        func decoded(_ part: String) throws -> [UInt8] {
            var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
            return Array(try #require(Data(base64Encoded: text)))
        }
        #expect(try JSON(parsing: decoded(parts[0])) == ["alg": "RS256", "typ": "JWT", "kid": "kid1"])
        #expect(
            try JSON(parsing: decoded(parts[1])) == [
                "iss": "hs@p.iam.gserviceaccount.com", "sub": "hs@p.iam.gserviceaccount.com", "scope": "https://www.googleapis.com/auth/pubsub",
                "aud": "http://127.0.0.1:9/token", "iat": 1_800_000_000, "exp": 1_800_003_600,
            ])
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try decoded(parts[2]))
        let signed = SHA256.hash(data: Array((parts[0] + "." + parts[1]).utf8))
        #expect(key.publicKey.isValidSignature(signature, for: signed, padding: .insecurePKCS1v1_5))
        #expect(!key.publicKey.isValidSignature(signature, for: SHA256.hash(data: Array("other".utf8)), padding: .insecurePKCS1v1_5))
        // No token_uri: Google's endpoint.
        var bare = file.objectValue ?? [:]
        bare["token_uri"] = nil
        #expect(try GoogleServiceAccount(json: JSON.object(bare).serialized()).tokenURI == "https://oauth2.googleapis.com/token")
    }
}
