import Crypto
import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamTesting
import JSONValue
import Testing

/// `/v1/notification-channels` through real HTTP, with local receivers standing in for the
/// webhook endpoint, Slack and Discord.
@Suite struct NotificationChannelsTests {
    static func start() async throws -> TestServer {
        try await TestServer.start { $0.notificationRetryDelaysSeconds = [0.05, 0.05] }
    }

    func create(_ client: TestHTTPClient, _ body: JSON) async throws -> String {
        let r = try await client.post("/v1/notification-channels", body)
        #expect(r.status == 201, "\(r.text)")
        return try #require(r.json["id"]?.stringValue, "\(r.text)")
    }

    @Test func crudMasksSecretsAndIsolatesTenants() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let c = server.client
        let created = try await c.post(
            "/v1/notification-channels",
            ["name": "Ops", "channel_type": "webhook", "config": ["url": "https://ops.example.com/alerts", "secret": "whsec_topsecret1234"]])
        #expect(created.status == 201)
        let id = try #require(created.json["id"]?.stringValue)
        #expect(id.hasPrefix("nc_"))
        #expect(created.json["type"] == "webhook")
        #expect(created.json["config"]?["url"] == "https://ops.example.com/alerts")
        #expect(created.json["config"]?["secret"] == "••••1234")
        #expect(!created.text.contains("topsecret"))

        let slack = try await create(c, ["name": "Slack", "type": "slack", "config": ["webhook_url": "https://hooks.slack.com/services/T0/B0/abcdefgh"]])
        let shown = try await c.get("/v1/notification-channels/\(slack)")
        #expect(shown.json["config"]?["url"] == "https://hooks.slack.com/••••efgh")
        #expect(!shown.text.contains("T0/B0"))

        let list = try await c.get("/v1/notification-channels")
        #expect(list.json["channels"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [slack, id])

        // A new URL keeps the secret; `null` removes it.
        let patched = try await c.patch("/v1/notification-channels/\(id)", ["name": "Ops 2", "config": ["url": "https://ops.example.com/v2"]])
        #expect(patched.status == 200)
        #expect(patched.json["name"] == "Ops 2")
        #expect(patched.json["config"]?["secret"] == "••••1234")
        let unsigned = try await c.patch("/v1/notification-channels/\(id)", ["config": ["secret": .null]])
        #expect(unsigned.json["config"]?["secret"] == .null)

        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/notification-channels/\(id)").status == 404)
        #expect(try await other.delete("/v1/notification-channels/\(id)").status == 404)
        #expect(try await other.get("/v1/notification-channels").json["channels"] == [])

        let deleted = try await c.delete("/v1/notification-channels/\(id)")
        #expect(deleted.status == 200 && deleted.json["deleted"] == true)
        #expect(try await c.get("/v1/notification-channels/\(id)").status == 404)
    }

    @Test(arguments: [
        (["name": "x", "channel_type": "pager", "config": ["url": "https://a.example/x"]] as JSON, "channel_type"),
        (["name": "x", "channel_type": "webhook"] as JSON, "'config' is required"),
        (["name": "x", "channel_type": "webhook", "config": ["url": "not a url"]] as JSON, "must be an http or https URL"),
        (["name": "x", "channel_type": "webhook", "config": ["url": "https://a.example/x", "secrt": "s"]] as JSON, "config.secrt"),
        (["channel_type": "webhook", "config": ["url": "https://a.example/x"]] as JSON, "name"),
        (["name": "x", "channel_type": "email", "config": ["to": "not-an-address"]] as JSON, "invalid e-mail address"),
        (["name": "x", "channel_type": "webhook", "config": ["url": "https://a.example/x"], "colour": "red"] as JSON, "colour"),
    ])
    func badInputIsA400(_ body: JSON, _ mentions: String) async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let r = try await server.client.post("/v1/notification-channels", body)
        #expect(r.status == 400, "\(r.text)")
        #expect(r.json["error"]?.stringValue?.contains(mentions) == true, "\(r.text)")
        #expect(r.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        #expect(try await server.client.get("/v1/notification-channels").json["channels"] == [])
    }

    @Test func webhookTestIsSignedWithTheChannelSecret() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let secret = "s3cret-for-hmac"
        let id = try await create(
            server.client, ["name": "Hook", "channel_type": "webhook", "config": ["url": .string(receiver.url + "/alerts"), "secret": .string(secret)]])
        let result = try await server.client.post("/v1/notification-channels/\(id)/test", [:])
        #expect(result.status == 200)
        #expect(result.json["success"] == true && result.json["error"] == .null, "\(result.text)")

        let got = try #require(try await receiver.waitFor(count: 1).first)
        let mac = HMAC<SHA256>.authenticationCode(for: got.body, using: SymmetricKey(data: Data(secret.utf8)))
        #expect(got.headers["x-hookstream-signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        let body = try JSON(parsing: got.body)
        #expect(body["type"] == "test")
        #expect(body["channel_id"] == .string(id))
        #expect(got.headers["content-type"] == "application/json")
    }

    @Test func slackAndDiscordReceiveTheirMessageFormats() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let slack = try await create(server.client, ["name": "S", "channel_type": "slack", "config": ["url": .string(receiver.url + "/slack")]])
        let discord = try await create(server.client, ["name": "D", "channel_type": "discord", "config": ["url": .string(receiver.url + "/discord")]])
        #expect(try await server.client.post("/v1/notification-channels/\(slack)/test", [:]).json["success"] == true)
        #expect(try await server.client.post("/v1/notification-channels/\(discord)/test", [:]).json["success"] == true)
        let got = try await receiver.waitFor(count: 2)
        let slackBody = try JSON(parsing: try #require(got.first { $0.path == "/slack" }).body)
        // Slack incoming webhooks: `text` (required fallback), optional `blocks` of typed sections.
        #expect(slackBody["text"]?.stringValue?.contains("Test notification") == true)
        #expect(slackBody["blocks"]?[0]?["type"] == "section" && slackBody["blocks"]?[0]?["text"]?["type"] == "mrkdwn")
        // Discord webhooks: `content` and/or `embeds` with title, description, integer colour.
        let discordBody = try JSON(parsing: try #require(got.first { $0.path == "/discord" }).body)
        #expect(discordBody["content"]?.stringValue?.isEmpty == false)
        let embed = try #require(discordBody["embeds"]?[0])
        #expect(embed["title"]?.stringValue?.isEmpty == false && embed["description"]?.stringValue?.isEmpty == false)
        #expect(embed["color"]?.numberValue.map { $0 == $0.rounded() && $0 >= 0 && $0 <= 0xFFFFFF } == true)
    }

    @Test func aFailingChannelIsRetriedAndEveryOutcomeRecorded() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let id = try await create(server.client, ["name": "Flaky", "channel_type": "webhook", "config": ["url": .string(receiver.url)]])

        receiver.reply([.status(503), .status(500)])
        let recovered = try await server.client.post("/v1/notification-channels/\(id)/test", [:])
        #expect(recovered.json["success"] == true && recovered.json["attempts"] == 3, "\(recovered.text)")

        receiver.setDefault(.status(502))
        let failed = try await server.client.post("/v1/notification-channels/\(id)/test", [:])
        #expect(failed.json["success"] == false && failed.json["attempts"] == 3 && failed.json["status_code"] == 502, "\(failed.text)")
        #expect(failed.json["error"]?.stringValue?.contains("502") == true)

        // A 4xx is the channel's answer, not a passing fault: no retry.
        receiver.setDefault(.status(404))
        let refused = try await server.client.post("/v1/notification-channels/\(id)/test", [:])
        #expect(refused.json["success"] == false && refused.json["attempts"] == 1, "\(refused.text)")
        #expect(receiver.requests.count == 7)

        let detail = try await server.client.get("/v1/notification-channels/\(id)")
        let recent = try #require(detail.json["recent_notifications"]?.arrayValue)
        #expect(recent.map { $0["status"]?.stringValue } == ["failed", "failed", "success"])
        #expect(recent.map { $0["attempts"]?.numberValue } == [1, 3, 3])
        #expect(recent.allSatisfy { $0["kind"] == "test" })
    }

    @Test func theOutboundPolicyGuardsChannels() async throws {
        let server = try await TestServer.start {
            $0.hostResolver = OutboundPolicyServerTests.resolver
            $0.notificationRetryDelaysSeconds = [0.05, 0.05]
        }
        defer { server.stop() }
        let literal = try await server.client.post(
            "/v1/notification-channels", ["name": "Meta", "channel_type": "webhook", "config": ["url": "http://169.254.169.254/latest"]])
        #expect(literal.status == 400 && literal.json["error"]?.stringValue?.contains("outbound policy") == true, "\(literal.text)")
        // A name is judged when sending, on what it resolves to; a refusal is final, not retried.
        let id = try await create(server.client, ["name": "Meta", "channel_type": "slack", "config": ["url": "http://metadata.test/hook"]])
        let sent = try await server.client.post("/v1/notification-channels/\(id)/test", [:])
        #expect(sent.json["success"] == false && sent.json["attempts"] == 1, "\(sent.text)")
        #expect(sent.json["error"]?.stringValue?.contains("link-local") == true, "\(sent.text)")
    }
}
