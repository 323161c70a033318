import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream topics …`: the real executable against a running server.
@Suite struct TopicsCLITests {
    @Test func createSubscribePublishUnsubscribeDelete() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let destination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Receiver", "url": .string(receiver.url + "/orders")]).json["id"]?.stringValue)

        let created = try await CLIRun.run(["--json", "topics", "create", "Orders", "--slug", "orders"], environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let topic = try #require(try JSON(parsing: created.stdout)["id"]?.stringValue)
        let bad = try await CLIRun.run(["topics", "create", "Orders", "--slug", "Not Valid"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("lower-case letters"))

        let subscribed = try await CLIRun.run(
            ["--json", "topics", "subscribe", topic, "--destination", destination, "--filter", #"[{"field":"payload.type","op":"eq","value":"order.created"}]"#,
             "--transform", #"{ "id": id }"#],
            environment: env)
        #expect(subscribed.status == 0, "\(subscribed.stderr)")
        let subscription = try #require(try JSON(parsing: subscribed.stdout)["subscription"]?["id"]?.stringValue)

        let list = try await CLIRun.run(["topics", "list"], environment: env)
        #expect(list.stdout.contains(topic) && list.stdout.contains("orders"))
        let get = try await CLIRun.run(["topics", "get", topic], environment: env)
        #expect(get.stdout.contains(subscription) && get.stdout.contains("Receiver"), "\(get.stdout)")

        let skipped = try await CLIRun.run(["topics", "publish", "orders", "--data", #"{"type":"order.updated","id":"ord_0"}"#], environment: env)
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let published = try await CLIRun.run(["--json", "topics", "publish", "orders", "--data", #"{"type":"order.created","id":"ord_123"}"#], environment: env)
        #expect(published.status == 0, "\(published.stderr)")
        let eventID = try #require(try JSON(parsing: published.stdout)["event_id"]?.stringValue)
        let received = try await receiver.waitFor(count: 1)
        #expect(try JSON(parsing: received[0].body) == ["id": "ord_123"])
        #expect(try await server.client.get("/v1/events/\(eventID)").json["delivery_attempts"]?.arrayValue?.count == 1)
        #expect(try await CLIRun.run(["topics", "publish", "orders", "--data", "nope"], environment: env).status != 0)

        #expect(try await CLIRun.run(["topics", "unsubscribe", topic, subscription], environment: env).status == 0)
        #expect(try await server.client.get("/v1/topics/\(topic)").json["subscriptions"] == [])
        #expect(try await CLIRun.run(["topics", "delete", topic, "-f"], environment: env).status == 0)
        #expect(try await server.client.get("/v1/topics/\(topic)").status == 404)
    }
}
