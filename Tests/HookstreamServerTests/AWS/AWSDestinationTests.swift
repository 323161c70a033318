import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// aws_sqs, aws_s3 and aws_eventbridge end to end against moto (scripts/services/moto):
/// create the destination and a connection, ingest, and read what arrived back from the service.
@Suite struct AWSDestinationTests {
    static func pipe(_ server: TestServer, type: String, config: JSON, extra: JSONObject = [:]) async throws -> (source: String, destination: JSON) {
        try await ProviderPipe.connect(server.client, type: type, config: config, extra: extra)
    }

    static func expectMasked(_ server: TestServer, destination: String, event: String) async throws {
        try await ProviderPipe.expectMasked(
            server.client, destination: destination, event: event, field: "secret_access_key", secret: MotoClient.credentials.secretAccessKey,
            patch: ["region": "us-east-1"])
    }

    @Test func sqsMessagesArriveWithTheirAttributesAndARefusedSendIsRetried() async throws {
        let moto = try MotoClient.fromEnvironment()
        let server = try await TestServer.start()
        defer { server.stop() }
        // The queue does not exist yet: the first attempt fails with SQS's own error.
        let name = MotoClient.unique("orders")
        let (source, destination) = try await Self.pipe(
            server, type: "sqs", config: moto.settings(["queue_url": .string(moto.queueURL(name))]),
            extra: ["retry_intervals": [1], "retry_backoff_type": "fixed"])
        let id = try #require(destination["id"]?.stringValue)
        #expect(destination["config"]?["secret_access_key"] == .string("••••" + MotoClient.credentials.secretAccessKey.suffix(4)))
        let body: JSON = ["order": ["id": "o1", "amount": 4999]]
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        let firstDetail = try await ProviderPipe.firstFailedAttempt(server.client, event: event)
        #expect(firstDetail["status"] == "failed")
        #expect(firstDetail["status_code"] == 400)
        #expect(firstDetail["error"]?.stringValue?.contains("QueueDoesNotExist") == true, "\(firstDetail)")
        #expect(firstDetail["error"]?.stringValue?.contains("The specified queue does not exist") == true, "\(firstDetail)")

        // Once the queue exists the retry delivers.
        let queue = try await moto.createQueue(name)
        try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let messages = try await moto.receive(queue)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(try JSON(parsing: Array((message["Body"]?.stringValue ?? "").utf8)) == body)
        #expect(message["MessageAttributes"]?["hookstream-event-id"]?["StringValue"] == .string(event))
        #expect(message["MessageAttributes"]?["hookstream-source-id"]?["StringValue"] == .string(source))
        try await Self.expectMasked(server, destination: id, event: event)
    }

    @Test func sqsFIFOQueuesGetTheGroupAndTheEventIDAsDeduplicationID() async throws {
        let moto = try MotoClient.fromEnvironment()
        let server = try await TestServer.start()
        defer { server.stop() }
        let name = MotoClient.unique("orders") + ".fifo"
        let queue = try #require(
            try await moto.call("sqs", "AmazonSQS.CreateQueue", ["QueueName": .string(name), "Attributes": ["FifoQueue": "true"]])["QueueUrl"]?.stringValue)
        let (source, _) = try await Self.pipe(server, type: "aws_sqs", config: moto.settings(["queue_url": .string(queue), "message_group_id": "tenant-42"]))
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", "plain text").json["event_id"]?.stringValue)
        try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let answer = try await moto.call(
            "sqs", "AmazonSQS.ReceiveMessage", ["QueueUrl": .string(queue), "AttributeNames": ["All"], "MaxNumberOfMessages": 10])
        let message = try #require(answer["Messages"]?[0])
        #expect(message["Body"] == #""plain text""#)
        #expect(message["Attributes"]?["MessageGroupId"] == "tenant-42")
        #expect(message["Attributes"]?["MessageDeduplicationId"] == .string(event))

        // A FIFO queue without a group, or a group on a standard queue, is refused at create.
        let refused = try await server.client.post("/v1/destinations", ["name": "x", "type": "sqs", "config": moto.settings(["queue_url": .string(queue)])])
        #expect(refused.status == 400)
        #expect(refused.json["error"]?.stringValue?.contains("message_group_id") == true)
    }

    @Test func s3StoresOneObjectPerEventInTheSpecsFormatAndRawBodiesByteForByte() async throws {
        let moto = try MotoClient.fromEnvironment()
        let server = try await TestServer.start()
        defer { server.stop() }
        let bucket = MotoClient.unique("archive")
        try await moto.createBucket(bucket)
        let (source, destination) = try await Self.pipe(server, type: "s3", config: moto.settings(["bucket": .string(bucket), "prefix": "webhooks/"]))
        let body: JSON = ["order": ["id": "o1"]]
        let ingested = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: body, headers: [("X-Shop", "berlin")])
        let event = try #require(ingested.json["event_id"]?.stringValue)
        let stored = try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let receivedAt = try #require(stored["received_at"]?.stringValue)
        let day = receivedAt.prefix(10).replacingOccurrences(of: "-", with: "/")
        let key = "webhooks/\(day)/\(event).json"
        #expect(try await moto.keys(bucket, prefix: "webhooks/") == [key])
        let object = try await moto.getObject(bucket, key)
        #expect(object.status == 200)
        #expect(object.header("Content-Type") == "application/json")
        #expect(object.json["event_id"] == .string(event))
        #expect(object.json["source_id"] == .string(source))
        #expect(object.json["method"] == "POST")
        #expect(object.json["headers"]?["x-shop"] == "berlin")
        #expect(object.json["body"] == body)
        #expect(object.json["received_at"] == .string(receivedAt))
        try await Self.expectMasked(server, destination: try #require(destination["id"]?.stringValue), event: event)

        // format: raw — the bytes as received, with their content type; `.bin` unless JSON.
        let (rawSource, _) = try await Self.pipe(
            server, type: "aws_s3", config: moto.settings(["bucket": .string(bucket), "prefix": "raw/", "format": "raw"]))
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0x10]
        let binary = try #require(
            try await server.anonymous.request("POST", "/v1/ingest/\(rawSource)", body: bytes, headers: [("Content-Type", "image/png")]).json["event_id"]?.stringValue)
        let json = try #require(try await server.anonymous.post("/v1/ingest/\(rawSource)", ["n": 1]).json["event_id"]?.stringValue)
        for id in [binary, json] { try await server.client.eventually("/v1/events/\(id)") { $0["status"] == "delivered" } }
        let rawKeys = try await moto.keys(bucket, prefix: "raw/")
        let binaryKey = try #require(rawKeys.first { $0.hasSuffix("/\(binary).bin") })
        let jsonKey = try #require(rawKeys.first { $0.hasSuffix("/\(json).json") })
        let png = try await moto.getObject(bucket, binaryKey)
        #expect(png.body == bytes)
        #expect(png.header("Content-Type") == "image/png")
        #expect(try await moto.getObject(bucket, jsonKey).json == ["n": 1])
    }

    /// Refused until the service has what the destination names: the first attempt fails with
    /// the service's error, `create` makes the missing thing while the destination is paused
    /// (so the retries left cannot run out while it is made, however loaded the machine),
    /// and the retry after the resume delivers.
    static func retryAfterRefusal(_ server: TestServer, destination: String, event: String, create: () async throws -> Void) async throws -> JSON {
        let first = try await ProviderPipe.firstFailedAttempt(server.client, event: event)
        #expect(try await server.client.patch("/v1/destinations/\(destination)", ["status": "paused"]).status == 200)
        try await create()
        #expect(try await server.client.patch("/v1/destinations/\(destination)", ["status": "active"]).status == 200)
        try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        return first
    }

    /// Retries 5 s apart: the pause in `retryAfterRefusal` must land before the next retry is
    /// claimed. Pausing does not stop an attempt already sent, and one sent while `create` runs
    /// can succeed half-way (a bus that exists before its rule routes anywhere takes the event
    /// and drops it); with 1 s a loaded CI run lost the event exactly so.
    static let spacedRetries: JSONObject = ["retry_intervals": [5], "retry_backoff_type": "fixed", "retry_max_attempts": 10]

    @Test func s3MissingBucketIsAFailedAttemptWithS3sErrorAndTheRetryStoresTheObject() async throws {
        let moto = try MotoClient.fromEnvironment()
        let server = try await TestServer.start()
        defer { server.stop() }
        let bucket = MotoClient.unique("missing")
        let (source, destination) = try await Self.pipe(
            server, type: "s3", config: moto.settings(["bucket": .string(bucket), "prefix": "late/"]), extra: Self.spacedRetries)
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["n": 1]).json["event_id"]?.stringValue)
        let first = try await Self.retryAfterRefusal(server, destination: try #require(destination["id"]?.stringValue), event: event) {
            try await moto.createBucket(bucket)
        }
        #expect(first["status_code"] == 404)
        #expect(first["error"]?.stringValue?.contains("NoSuchBucket") == true, "\(first)")
        let keys = try await moto.keys(bucket, prefix: "late/")
        #expect(keys.count == 1 && keys[0].hasSuffix("/\(event).json"), "\(keys)")
        #expect(try await moto.getObject(bucket, try #require(keys.first)).json["body"] == ["n": 1])
    }

    @Test func eventBridgeEventsReachTheBusAndItsRules() async throws {
        let moto = try MotoClient.fromEnvironment()
        let server = try await TestServer.start()
        defer { server.stop() }
        let bus = MotoClient.unique("orders-bus")
        let arn = try await moto.createEventBus(bus)
        let queueName = MotoClient.unique("bus-target")
        let queue = try await moto.createQueue(queueName)
        let sourceName = "hookstream.\(MotoClient.unique("shop"))"
        try await moto.route(bus: bus, source: sourceName, toQueue: queueName)
        let (source, destination) = try await Self.pipe(
            server, type: "eventbridge",
            config: moto.settings(["event_bus_arn": .string(arn), "source": .string(sourceName), "detail_type": "WebhookEvent"]))
        let body: JSON = ["order": ["id": "o1", "amount": 4999]]
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        try await server.client.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let delivered = try #require(try await moto.receive(queue).first)
        let envelope = try JSON(parsing: Array((delivered["Body"]?.stringValue ?? "").utf8))
        #expect(envelope["source"] == .string(sourceName))
        #expect(envelope["detail-type"] == "WebhookEvent")
        #expect(envelope["detail"] == body)
        try await Self.expectMasked(server, destination: try #require(destination["id"]?.stringValue), event: event)

        // A bus that does not exist yet: EventBridge's error on the attempt, then the retry
        // reaches the bus once it is made.
        let lateBus = MotoClient.unique("late-bus")
        let lateQueueName = MotoClient.unique("late-target")
        let (other, otherDestination) = try await Self.pipe(
            server, type: "aws_eventbridge",
            config: moto.settings(["event_bus_arn": .string(lateBus), "source": .string(sourceName), "detail_type": "WebhookEvent"]),
            extra: Self.spacedRetries)
        let late = try #require(try await server.anonymous.post("/v1/ingest/\(other)", ["n": 1]).json["event_id"]?.stringValue)
        var lateQueue = ""
        let first = try await Self.retryAfterRefusal(server, destination: try #require(otherDestination["id"]?.stringValue), event: late) {
            _ = try await moto.createEventBus(lateBus)
            lateQueue = try await moto.createQueue(lateQueueName)
            try await moto.route(bus: lateBus, source: sourceName, toQueue: lateQueueName)
        }
        #expect(first["error"]?.stringValue?.contains("ResourceNotFoundException") == true, "\(first)")
        let arrived = try #require(try await moto.receive(lateQueue).first)
        #expect(try JSON(parsing: Array((arrived["Body"]?.stringValue ?? "").utf8))["detail"] == ["n": 1])
    }
}
