import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `rabbitmq` end to end: a real `hookstream serve` publishing through the management API of
/// the RabbitMQ node of scripts/services/rabbitmq, the messages consumed back from a bound queue.
@Suite struct RabbitMQDestinationTests {
    @Test func messagesArrivePersistentWithTheirRoutingKeyAndARefusedPublishIsRetried() async throws {
        let rabbit = try RabbitMQClient.fromEnvironment()
        let (process, api, _) = try await ProviderPipe.serve("rabbitmq")
        defer { process.kill() }
        // The exchange does not exist yet: the first attempt fails with RabbitMQ's own reason.
        let exchange = RabbitMQClient.unique("webhooks")
        let (source, destination) = try await ProviderPipe.connect(
            api, type: "rabbitmq", config: rabbit.settings(exchange: exchange, routingKey: "orders.created"),
            extra: ["retry_intervals": [1], "retry_backoff_type": "fixed", "retry_max_attempts": 10])
        let id = try #require(destination["id"]?.stringValue)
        #expect(destination["config"]?["vhost"] == "/")
        let body: JSON = ["order": ["id": "o1", "amount": 4999]]
        let event = try #require(try await TestHTTPClient(baseURL: process.baseURL).post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        let first = try await ProviderPipe.firstFailedAttempt(api, event: event)
        #expect(first["status_code"] == 404 || first["status_code"] == 400, "\(first)")
        #expect(first["error"]?.stringValue?.contains("no exchange '\(exchange)'") == true, "\(first)")

        // Once the exchange exists, with a queue bound for the key, the retry delivers. The
        // destination is paused meanwhile: RabbitMQ drops a message published to an exchange
        // with no queue bound yet, and on a loaded machine a retry landed between the two.
        #expect(try await api.patch("/v1/destinations/\(id)", ["enabled": false]).status == 200)
        let queue = RabbitMQClient.unique("orders")
        try await rabbit.createExchange(exchange)
        try await rabbit.bindQueue(queue, to: exchange, routingKey: "orders.created")
        #expect(try await api.patch("/v1/destinations/\(id)", ["enabled": true]).status == 200)
        let delivered = try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        #expect(delivered["status"] == "delivered", "\(delivered)")
        let messages = try await rabbit.take(queue)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message["payload_encoding"] == "string")
        #expect(try JSON(parsing: Array((message["payload"]?.stringValue ?? "").utf8)) == body)
        #expect(message["routing_key"] == "orders.created")
        #expect(message["exchange"] == .string(exchange))
        #expect(message["properties"]?["delivery_mode"] == 2)
        #expect(message["properties"]?["content_type"] == "application/json")
        #expect(message["properties"]?["message_id"] == .string(event))
        #expect(message["properties"]?["headers"]?["hookstream-event-id"] == .string(event))
        #expect(message["properties"]?["headers"]?["hookstream-source-id"] == .string(source))
        try await ProviderPipe.expectMasked(
            api, destination: id, event: event, field: "password", secret: rabbit.password, patch: ["routing_key": "orders.created"])
    }

    @Test func anUnroutableMessageIsAFailedAttemptAndBinaryBodiesArriveByteForByte() async throws {
        let rabbit = try RabbitMQClient.fromEnvironment()
        let (process, api, _) = try await ProviderPipe.serve("rabbitmq")
        defer { process.kill() }
        let exchange = RabbitMQClient.unique("webhooks")
        try await rabbit.createExchange(exchange)
        // No queue bound for this key: RabbitMQ answers 200 {"routed": false} and drops it.
        let (source, _) = try await ProviderPipe.connect(
            api, type: "rabbitmq", config: rabbit.settings(exchange: exchange, routingKey: "nobody.listens"), extra: ["retry_max_attempts": 1])
        let ingest = TestHTTPClient(baseURL: process.baseURL)
        let lost = try #require(try await ingest.post("/v1/ingest/\(source)", ["n": 1]).json["event_id"]?.stringValue)
        let failed = try await api.eventually("/v1/events/\(lost)") { $0["status"] == "failed" }
        #expect(failed["status"] == "failed")
        let attempt = try await ProviderPipe.firstFailedAttempt(api, event: lost)
        #expect(attempt["status_code"] == 200, "\(attempt)")
        #expect(attempt["error"]?.stringValue?.contains("did not route the message") == true, "\(attempt)")
        #expect(attempt["error"]?.stringValue?.contains("nobody.listens") == true, "\(attempt)")

        // A bound key: a body that is not UTF-8 goes base64 and arrives as the same bytes.
        let queue = RabbitMQClient.unique("raw")
        try await rabbit.bindQueue(queue, to: exchange, routingKey: "raw")
        let (rawSource, _) = try await ProviderPipe.connect(api, type: "rabbitmq", config: rabbit.settings(exchange: exchange, routingKey: "raw"))
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0x10]
        let binary = try #require(
            try await ingest.request("POST", "/v1/ingest/\(rawSource)", body: bytes, headers: [("Content-Type", "image/png")]).json["event_id"]?.stringValue)
        try await api.eventually("/v1/events/\(binary)") { $0["status"] == "delivered" }
        let message = try #require(try await rabbit.take(queue).first)
        #expect(message["payload_encoding"] == "base64")
        #expect(Data(base64Encoded: message["payload"]?.stringValue ?? "").map(Array.init) == bytes)
        #expect(message["properties"]?["content_type"] == "image/png")
    }

    @Test func settingsAreValidatedAndTheCLIShowsThePasswordMasked() async throws {
        let rabbit = try RabbitMQClient.fromEnvironment()
        let (process, api, key) = try await ProviderPipe.serve("rabbitmq")
        defer { process.kill() }
        var settings = rabbit.settings(exchange: "webhooks", routingKey: "events").objectValue ?? [:]
        let cases: [(JSONObject, String)] = [
            (settings.filter { $0.key != "password" }, "'config.password' is required"),
            (settings.filter { $0.key != "routing_key" }, "'config.routing_key' is required"),
            (settings.merging(["exchange": "web hooks"]) { $1 }, "'config.exchange' must be an exchange name"),
            (settings.merging(["url": "amqp://127.0.0.1:5672"]) { $1 }, "'config.url' must be an absolute http(s) URL"),
            (settings.merging(["queue": "x"]) { $1 }, "Unknown field 'config.queue'"),
        ]
        try await ProviderPipe.expectRefused(api, type: "rabbitmq", cases)

        // The CLI: settings from a file, shown masked by `get`; an update keeps the password.
        settings["vhost"] = "/"
        let (id, created, shown) = try await ProviderPipe.createWithCLI(baseURL: process.baseURL, key: key, type: "rabbitmq", settings: settings)
        #expect(shown.contains("••••" + rabbit.password.suffix(4)), "\(shown)")
        for output in [created, shown] { #expect(!output.contains(rabbit.password)) }
        // Sending back what GET showed (the mask) keeps the stored password.
        let masked = try #require(try await api.get("/v1/destinations/\(id)").json["config"]?["password"])
        let resent = try await api.patch("/v1/destinations/\(id)", ["config": ["password": masked, "routing_key": "other"]])
        #expect(resent.status == 200, "\(resent.text)")
        #expect(resent.json["config"]?["password"] == .string("••••" + rabbit.password.suffix(4)))
    }
}
