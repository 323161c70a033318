import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alert rules: failure rate, latency, volume drop, dead letters and new issues, sent to channels.",
        subcommands: [List.self, Create.self, Get.self, Delete.self])

    static func describe(_ r: JSON) -> String {
        [
            "ID:              \(r["id"]?.cell ?? "-")", "Name:            \(r["name"]?.cell ?? "-")", "Type:            \(r["rule_type"]?.cell ?? "-")",
            "Config:          \(r["rule_config"].map { $0.serialized() } ?? "-")", "Status:          \(r["status"]?.cell ?? "-")",
            "Enabled:         \(r["enabled"]?.cell ?? "-")", "Channels:        \(channels(r))",
            "Scope:           \(r["destination_id"]?.stringValue ?? r["source_id"]?.stringValue ?? "all")",
            "Cooldown:        \(r["cooldown_minutes"]?.cell ?? "-") min", "Last triggered:  \(r["last_triggered_at"]?.stringValue ?? "never")",
        ].joined(separator: "\n")
    }

    static func channels(_ r: JSON) -> String {
        let ids = r["channel_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return ids.isEmpty ? "-" : ids.joined(separator: ", ")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alert rules.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/alert-rules")
                global.output(result) {
                    let rows = (result["alert_rules"]?.arrayValue ?? []).map { r in
                        [
                            r["id"]?.cell ?? "", r["name"]?.cell ?? "-", r["rule_type"]?.cell ?? "-", r["status"]?.cell ?? "-",
                            r["enabled"] == .bool(true) ? "yes" : "no", r["last_triggered_at"]?.stringValue ?? "never",
                        ]
                    }
                    return TableFormatter.render(headers: ["ID", "NAME", "TYPE", "STATUS", "ENABLED", "LAST TRIGGERED"], rows: rows)
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an alert rule.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "failure_rate, latency (or high_latency), volume_drop, dlq or issue_opened.") var type: String
        @Option(help: "Notification channel ID (repeat for several).") var channel: [String] = []
        @Option(
            help: "failure_rate/volume_drop: fraction (0.1) or percent (10); latency: milliseconds; dlq: dead-lettered deliveries to exceed.")
        var threshold: Double?
        @Option(help: "latency: the percentile compared (default 95).") var percentile: Double?
        @Option(help: "Minutes of traffic looked at (default 5).") var window: Int?
        @Option(help: "Minutes between notifications while firing (default 60).") var cooldown: Double?
        @Option(help: "volume_drop: count only this source's events.") var source: String?
        @Option(help: "Other types: only this destination's deliveries or issues.") var destination: String?
        @Flag(help: "Create the rule disabled.") var disabled = false

        func run() async throws {
            try await runClient {
                let latency = type == "latency" || type == "high_latency"
                var config = JSONObject()
                if let threshold { config[latency ? "threshold_ms" : "threshold"] = .number(threshold) }
                if let percentile { config["percentile_target"] = .number(percentile) }
                if let window { config["window_minutes"] = .number(Double(window)) }
                var body: JSONObject = [
                    "name": .string(name), "rule_type": .string(type), "rule_config": .object(config), "channel_ids": .array(channel.map(JSON.string)),
                ]
                if let cooldown { body["cooldown_minutes"] = .number(cooldown) }
                if let source { body["source_id"] = .string(source) }
                if let destination { body["destination_id"] = .string(destination) }
                if disabled { body["enabled"] = false }
                let result = try await global.client().post("/v1/alert-rules", .object(body))
                global.output(result) { "✓ Created alert rule\n" + AlertsCommand.describe(result["alert_rule"] ?? .null) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an alert rule and what it fired.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Alert rule ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/alert-rules/" + APIClient.escape(id))
                global.output(result) {
                    let rows = (result["history"]?.arrayValue ?? []).map { h in
                        [h["triggered_at"]?.cell ?? "-", h["resolved_at"]?.stringValue ?? "open", h["message"]?.cell ?? ""]
                    }
                    return AlertsCommand.describe(result["alert_rule"] ?? .null) + "\n\nHistory:\n"
                        + TableFormatter.render(headers: ["TRIGGERED", "RESOLVED", "MESSAGE"], rows: rows)
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alert rule.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Alert rule ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete alert rule \(id)?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/alert-rules/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted alert rule \(id)" }
            }
        }
    }
}
