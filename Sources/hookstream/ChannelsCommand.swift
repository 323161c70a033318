import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels", abstract: "Notification channels alert rules send to: webhook, Slack, Discord, e-mail.",
        subcommands: [List.self, Create.self, Get.self, Test.self, Delete.self])

    /// Where the channel sends: its (masked) URL or its recipients.
    static func target(_ c: JSON) -> String {
        if let url = c["config"]?["url"]?.stringValue { return url }
        return c["config"]?["to"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "-"
    }

    static func describe(_ c: JSON) -> String {
        var lines = [
            "ID:       \(c["id"]?.cell ?? "-")", "Name:     \(c["name"]?.cell ?? "-")", "Type:     \(c["type"]?.cell ?? "-")",
            "Target:   \(target(c))",
        ]
        if let secret = c["config"]?["secret"]?.stringValue { lines.append("Secret:   \(secret)") }
        lines.append("Created:  \(c["created_at"]?.cell ?? "-")")
        return lines.joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List notification channels.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/notification-channels")
                global.output(result) {
                    let rows = (result["channels"]?.arrayValue ?? []).map { c in
                        [c["id"]?.cell ?? "", c["name"]?.cell ?? "-", c["type"]?.cell ?? "-", ChannelsCommand.target(c)]
                    }
                    return TableFormatter.render(headers: ["ID", "NAME", "TYPE", "TARGET"], rows: rows)
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a notification channel.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "webhook, slack, discord or email.") var type: String
        @Option(help: "webhook, slack, discord: the URL to post to.") var url: String?
        @Option(help: "webhook: HMAC-SHA256 secret; requests then carry X-hookstream-Signature.") var secret: String?
        @Option(help: "email: a recipient (repeat for several).") var to: [String] = []

        func run() async throws {
            try await runClient {
                var config = JSONObject()
                if let url { config["url"] = .string(url) }
                if let secret { config["secret"] = .string(secret) }
                if !to.isEmpty { config["to"] = .array(to.map(JSON.string)) }
                let body: JSON = ["name": .string(name), "channel_type": .string(type), "config": .object(config)]
                let result = try await global.client().post("/v1/notification-channels", body)
                global.output(result) { "✓ Created channel\n" + ChannelsCommand.describe(result) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a channel and its recent notifications.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Channel ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/notification-channels/" + APIClient.escape(id))
                global.output(result) {
                    let rows = (result["recent_notifications"]?.arrayValue ?? []).map { n in
                        [n["created_at"]?.cell ?? "-", n["kind"]?.cell ?? "-", n["status"]?.cell ?? "-", n["attempts"]?.cell ?? "-", n["error"]?.stringValue ?? ""]
                    }
                    return ChannelsCommand.describe(result) + "\n\nRecent notifications:\n"
                        + TableFormatter.render(headers: ["SENT", "KIND", "STATUS", "TRIES", "ERROR"], rows: rows)
                }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test notification and report how it went.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Channel ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().post("/v1/notification-channels/\(APIClient.escape(id))/test", [:])
                global.output(result) {
                    result["success"] == .bool(true)
                        ? "✓ Test notification sent (\(result["attempts"]?.cell ?? "1") tries)"
                        : "✗ Test notification failed after \(result["attempts"]?.cell ?? "?") tries: \(result["error"]?.cell ?? "unknown error")"
                }
                if result["success"] != .bool(true) { throw ExitCode.failure }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a channel (no alert rule may still use it).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Channel ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete channel \(id)?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/notification-channels/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted channel \(id)" }
            }
        }
    }
}
