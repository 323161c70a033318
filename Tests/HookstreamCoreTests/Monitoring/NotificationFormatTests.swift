import HookstreamCore
import JSONValue
import Testing

@Suite struct NotificationFormatTests {
    static let alert = AlertNotification(
        kind: .triggered, ruleID: "ar_1", ruleName: "High <Error> Rate", ruleType: "failure_rate", message: "Failure rate 15% exceeds 10% threshold",
        at: 1_772_366_700_000)

    @Test func slackGetsTextAndMrkdwnBlocks() {
        let body = Self.alert.slackBody
        #expect(body["text"] == "Alert: High <Error> Rate: Failure rate 15% exceeds 10% threshold")
        #expect(body["blocks"]?[0]?["type"] == "section")
        #expect(body["blocks"]?[0]?["text"]?["type"] == "mrkdwn")
        #expect(body["blocks"]?[0]?["text"]?["text"] == ":rotating_light: *Alert: High &lt;Error&gt; Rate*\nFailure rate 15% exceeds 10% threshold")
        #expect(body["blocks"]?[1]?["type"] == "context")
    }

    @Test func discordGetsAnEmbedColouredByKind() {
        let body = Self.alert.discordBody
        #expect(body["content"] == "**Alert: High <Error> Rate**")
        #expect(body["embeds"]?[0]?["description"] == "Failure rate 15% exceeds 10% threshold")
        #expect(body["embeds"]?[0]?["timestamp"] == "2026-03-01T12:05:00.000Z")
        var resolved = Self.alert
        resolved.kind = .resolved
        #expect(resolved.discordBody["embeds"]?[0]?["color"] == .number(0x2EB67D))
        #expect(resolved.discordBody["content"] == "**Resolved: High <Error> Rate**")
    }

    @Test func webhookBodyIsMachineReadable() {
        let body = Self.alert.webhookBody(channelID: "nc_1")
        #expect(body["type"] == "alert.triggered")
        #expect(body["alert_rule"]?["id"] == "ar_1")
        #expect(body["channel_id"] == "nc_1")
        let test = AlertNotification(kind: .test, message: "hi", at: 0).webhookBody(channelID: "nc_1")
        #expect(test["type"] == "test" && test["alert_rule"] == .null)
    }

    @Test func emailHasSubjectAndPlainBody() {
        let mail = Self.alert.email
        #expect(mail.subject == "[hookstream] Alert: High <Error> Rate")
        #expect(mail.body.hasPrefix("Failure rate 15% exceeds 10% threshold\n\nRule: High <Error> Rate (failure_rate)"))
    }

    static let configs: [(String, JSON, String?)] = [
        ("webhook", ["url": "https://ops.example.com/alerts", "secret": "s"], nil),
        ("webhook", ["url": "ftp://x/y"], "'config.url' must be an http or https URL"),
        ("webhook", [:], "'config.url' is required for a webhook channel"),
        ("webhook", ["url": "https://a.example/x", "urll": "x"], "Unknown field 'config.urll' for a webhook channel (accepted: url, secret)"),
        ("slack", ["webhook_url": "https://hooks.slack.com/services/T/B/x"], nil),
        ("discord", ["url": "https://discord.com/api/webhooks/1/x"], nil),
        ("email", ["to": "ops@example.com"], nil),
        ("email", ["to": ["a@example.com", "b@example.org"]], nil),
        ("email", ["to": "ops@example.com>\r\nRCPT TO:<x@y.z"], "'config.to' holds an invalid e-mail address: \"ops@example.com>\\r\\nRCPT TO:<x@y.z\""),
        ("email", ["to": []], "'config.to' takes 1 to 50 addresses"),
    ]

    @Test(arguments: configs)
    func configsAreValidatedPerKind(_ kind: String, _ config: JSON, _ expected: String?) {
        do {
            let parsed = try ChannelConfig.parse(config.objectValue ?? [:], kind: NotificationChannel.Kind(rawValue: kind)!)
            #expect(expected == nil)
            #expect(ChannelConfig(json: parsed.json) == parsed)
        } catch {
            #expect(error.message == expected)
        }
    }
}
