import Foundation
public import JSONValue

/// One message to a notification channel: an alert that fired or resolved, or a test.
public struct AlertNotification: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case triggered, resolved, test
    }

    public var kind: Kind
    public var ruleID: String?
    public var ruleName: String?
    public var ruleType: String?
    /// What happened, in a sentence ("Failure rate 15% exceeds 10% threshold").
    public var message: String
    /// Unix milliseconds.
    public var at: Int64

    public init(kind: Kind, ruleID: String? = nil, ruleName: String? = nil, ruleType: String? = nil, message: String, at: Int64) {
        self.kind = kind
        self.ruleID = ruleID
        self.ruleName = ruleName
        self.ruleType = ruleType
        self.message = message
        self.at = at
    }

    /// "Alert: High Error Rate", "Resolved: High Error Rate", "Test notification".
    public var title: String {
        switch kind {
        case .triggered: "Alert: \(ruleName ?? "alert rule")"
        case .resolved: "Resolved: \(ruleName ?? "alert rule")"
        case .test: "Test notification from hookstream"
        }
    }

    /// The JSON a `webhook` channel receives (and signs): machine-readable.
    public func webhookBody(channelID: String) -> JSON {
        [
            "type": .string(kind == .test ? "test" : "alert.\(kind.rawValue)"),
            "alert_rule": ruleID.map { id in
                ["id": .string(id), "name": ruleName.map(JSON.string) ?? .null, "rule_type": ruleType.map(JSON.string) ?? .null]
            } ?? .null,
            "message": .string(message), "title": .string(title), "channel_id": .string(channelID),
            "timestamp": .string(Timestamp.iso(millis: at)),
        ]
    }

    /// A Slack incoming-webhook message: `text` (the notification and fallback) and a section
    /// block in Slack's mrkdwn.
    public var slackBody: JSON {
        let icon = kind == .triggered ? ":rotating_light:" : kind == .resolved ? ":white_check_mark:" : ":bell:"
        let text = "\(icon) *\(Self.slackEscape(title))*\n\(Self.slackEscape(message))"
        return [
            "text": .string("\(title): \(message)"),
            "blocks": [
                ["type": "section", "text": ["type": "mrkdwn", "text": .string(text)]],
                ["type": "context", "elements": [["type": "mrkdwn", "text": .string("hookstream · \(Timestamp.iso(millis: at))")]]],
            ],
        ]
    }

    /// A Discord incoming-webhook message: one embed, red for an alert, green once resolved.
    public var discordBody: JSON {
        let color: Double = kind == .triggered ? 0xE0_1E_5A : kind == .resolved ? 0x2E_B6_7D : 0x58_65_F2
        return [
            "username": "hookstream",
            "content": .string("**\(title)**"),
            "embeds": [
                [
                    "title": .string(String(title.prefix(256))), "description": .string(String(message.prefix(4096))),
                    "color": .number(color), "timestamp": .string(Timestamp.iso(millis: at)),
                ],
            ],
        ]
    }

    /// An e-mail's subject and plain-text body.
    public var email: (subject: String, body: String) {
        var lines = [message, ""]
        if let ruleName { lines.append("Rule: \(ruleName)" + (ruleType.map { " (\($0))" } ?? "")) }
        if let ruleID { lines.append("Rule ID: \(ruleID)") }
        lines.append("Time: \(Timestamp.iso(millis: at))")
        lines.append("")
        lines.append("-- hookstream")
        return ("[hookstream] \(title)", lines.joined(separator: "\n"))
    }

    /// Slack mrkdwn needs `&`, `<` and `>` escaped.
    static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
