import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `kafka` end to end: a real `hookstream serve` producing through Confluent's REST API v3 to
/// ``KafkaRESTFake`` on loopback, the records read back from the fake's topics.
@Suite struct KafkaDestinationTests {
    static let secret = "kafka-secret-" + UUID().uuidString.prefix(8)

    static func settings(_ fake: KafkaRESTFake, topic: String, secret: String = secret) -> JSON {
        [
            "bootstrap_servers": "pkc-test1.eu-west-1.aws.confluent.cloud:9092", "cluster_id": .string(fake.cluster), "topic": .string(topic),
            "api_key": .string(fake.apiKey), "api_secret": .string(secret), "rest_endpoint": .string(fake.url),
        ]
    }

    static func header(_ record: KafkaRESTFake.Record, _ name: String) -> String? { record.headers.first { $0.name == name }?.value }

    @Test func recordsArriveWithKeyValueAndHeadersAndARefusedRecordIsRetried() async throws {
        let fake = try await KafkaRESTFake.start(apiSecret: Self.secret, topics: ["webhook-events"])
        defer { fake.stop() }
        let (process, api, _) = try await ProviderPipe.serve("kafka")
        defer { process.kill() }
        let (source, destination) = try await ProviderPipe.connect(
            api, type: "kafka", config: Self.settings(fake, topic: "webhook-events"), extra: ["retry_intervals": [1], "retry_backoff_type": "fixed"])
        let id = try #require(destination["id"]?.stringValue)

        // The cluster cannot write the record: HTTP 200, the record's error_code 50003.
        fake.refuse(code: 50003, message: "Leader not available for partition webhook-events-0")
        let body: JSON = ["order": ["id": "o1", "amount": 4999]]
        let event = try #require(try await TestHTTPClient(baseURL: process.baseURL).post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        let first = try await ProviderPipe.firstFailedAttempt(api, event: event)
        #expect(first["status_code"] == 200, "\(first)")
        #expect(
            first["error"] == "Kafka did not write the record to topic 'webhook-events': error 50003: Leader not available for partition webhook-events-0",
            "\(first)")
        #expect(fake.records("webhook-events").isEmpty)

        // The cluster recovers: the retry writes the record.
        fake.recover()
        let delivered = try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        #expect(delivered["status"] == "delivered", "\(delivered)")
        let records = fake.records("webhook-events")
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.valueType == "JSON")
        #expect(try JSON(parsing: record.value) == body)
        #expect(record.key == Array(event.utf8))
        #expect(Self.header(record, "hookstream-event-id") == event)
        #expect(Self.header(record, "hookstream-destination-id") == id)
        #expect(Self.header(record, "hookstream-source-id") == source)
        #expect(Self.header(record, "content-type") == "application/json")
        try await ProviderPipe.expectMasked(api, destination: id, event: event, field: "api_secret", secret: Self.secret, patch: ["topic": "webhook-events"])
    }

    @Test func v3ErrorBodiesBecomeTheAttemptsErrorAndBinaryBodiesArriveAsBytes() async throws {
        let fake = try await KafkaRESTFake.start(apiSecret: Self.secret, topics: ["raw"])
        defer { fake.stop() }
        let (process, api, _) = try await ProviderPipe.serve("kafka")
        defer { process.kill() }
        let ingest = TestHTTPClient(baseURL: process.baseURL)

        // A topic the cluster does not have, and a wrong secret: each attempt carries
        // Confluent's error code and message.
        let (missing, _) = try await ProviderPipe.connect(api, type: "kafka", config: Self.settings(fake, topic: "nope"), extra: ["retry_max_attempts": 1])
        let lost = try #require(try await ingest.post("/v1/ingest/\(missing)", ["n": 1]).json["event_id"]?.stringValue)
        let notHosted = try await ProviderPipe.firstFailedAttempt(api, event: lost)
        #expect(notHosted["status_code"] == 404, "\(notHosted)")
        #expect(notHosted["error"] == "Kafka REST error 40403: This server does not host this topic-partition. (HTTP 404)", "\(notHosted)")
        let failed = try await api.eventually("/v1/events/\(lost)") { $0["status"] == "failed" }
        #expect(failed["status"] == "failed")

        let (unauthorized, _) = try await ProviderPipe.connect(
            api, type: "kafka", config: Self.settings(fake, topic: "raw", secret: "wrong-secret"), extra: ["retry_max_attempts": 1])
        let refused = try #require(try await ingest.post("/v1/ingest/\(unauthorized)", ["n": 2]).json["event_id"]?.stringValue)
        let denied = try await ProviderPipe.firstFailedAttempt(api, event: refused)
        #expect(denied["status_code"] == 401, "\(denied)")
        #expect(denied["error"] == "Kafka REST error 40101: Unauthorized (HTTP 401)", "\(denied)")

        // A body that is not JSON goes BINARY and arrives as the same bytes.
        let (rawSource, _) = try await ProviderPipe.connect(api, type: "kafka", config: Self.settings(fake, topic: "raw"))
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0x10]
        let binary = try #require(
            try await ingest.request("POST", "/v1/ingest/\(rawSource)", body: bytes, headers: [("Content-Type", "image/png")]).json["event_id"]?.stringValue)
        try await api.eventually("/v1/events/\(binary)") { $0["status"] == "delivered" }
        let record = try #require(fake.records("raw").first)
        #expect(record.valueType == "BINARY")
        #expect(record.value == bytes)
        #expect(Self.header(record, "content-type") == "image/png")
        #expect(fake.records("raw").count == 1)
    }

    @Test func settingsAreValidatedAndACLICreatedDestinationDelivers() async throws {
        let fake = try await KafkaRESTFake.start(apiSecret: Self.secret, topics: ["cli-events"])
        defer { fake.stop() }
        let (process, api, key) = try await ProviderPipe.serve("kafka")
        defer { process.kill() }
        var settings = Self.settings(fake, topic: "cli-events").objectValue ?? [:]
        let cases: [(JSONObject, String)] = [
            // Required even though rest_endpoint says where to send.
            (settings.filter { $0.key != "bootstrap_servers" }, "'config.bootstrap_servers' is required"),
            (settings.filter { $0.key != "api_secret" }, "'config.api_secret' is required"),
            (settings.merging(["bootstrap_servers": "pkc-test1.confluent.cloud"]) { $1 }, "'config.bootstrap_servers' must be host:port"),
            (settings.merging(["topic": "web hooks"]) { $1 }, "'config.topic' must be a Kafka topic name"),
            (settings.merging(["cluster_id": "lkc/1"]) { $1 }, "'config.cluster_id' must be a cluster ID"),
            (settings.merging(["rest_endpoint": "kafka://127.0.0.1"]) { $1 }, "'config.rest_endpoint' must be an absolute http(s) URL"),
            (settings.merging(["partition": 1]) { $1 }, "Unknown field 'config.partition'"),
            // A literal address the outbound policy refuses, where requests would go: the REST
            // endpoint, or without one the first bootstrap server.
            (settings.merging(["rest_endpoint": "http://169.254.169.254:8082"]) { $1 }, "'config.rest_endpoint' is refused by the outbound policy"),
            (
                settings.filter { $0.key != "rest_endpoint" }.merging(["bootstrap_servers": "169.254.169.254:9092,broker.test:9092"]) { $1 },
                "'config.bootstrap_servers' is refused by the outbound policy: 169.254.169.254 is a link-local address"
            ),
        ]
        try await ProviderPipe.expectRefused(api, type: "kafka", cases)

        // The CLI: settings from a file, the secret shown masked; the destination delivers.
        settings["rest_endpoint"] = .string(fake.url + "/")
        let (id, created, shown) = try await ProviderPipe.createWithCLI(baseURL: process.baseURL, key: key, type: "kafka", settings: settings)
        #expect(shown.contains("••••" + Self.secret.suffix(4)), "\(shown)")
        for output in [created, shown] { #expect(!output.contains(Self.secret)) }
        let source = try #require(try await api.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        #expect(try await api.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(id)]).status == 201)
        let event = try #require(try await TestHTTPClient(baseURL: process.baseURL).post("/v1/ingest/\(source)", ["via": "cli"]).json["event_id"]?.stringValue)
        try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        #expect(try fake.records("cli-events").map { try JSON(parsing: $0.value) } == [["via": "cli"]])
    }
}
