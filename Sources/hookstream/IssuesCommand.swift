import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct IssuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issues", abstract: "Track delivery failures grouped by destination and error type.",
        subcommands: [List.self, Get.self, Update.self, Retry.self, Summary.self])

    static func describe(_ i: JSON) -> String {
        let attempts = (i["recent_attempt_ids"]?.arrayValue ?? []).map(\.cell)
        func ids(_ key: String) -> String {
            let list = (i["affected"]?[key]?.arrayValue ?? []).map(\.cell)
            return list.isEmpty ? "-" : list.joined(separator: ", ")
        }
        let timeline = (i["timeline"]?.arrayValue ?? []).map { entry in
            "  \(entry["at"]?.cell ?? "-")  \(entry["type"]?.cell ?? "-")" + (entry["message"]?.stringValue.map { "  \($0)" } ?? "")
        }
        return ([
            "ID:           \(i["id"]?.cell ?? "-")",
            "Destination:  \(i["destination_name"]?.cell ?? "-") (\(i["destination_id"]?.cell ?? "-"))",
            "Type:         \(i["error_type"]?.cell ?? "-")", "Severity:     \(i["severity"]?.cell ?? "-")",
            "Message:      \(i["message"]?.cell ?? "-")",
            "Status:       \(i["status"]?.cell ?? "-")", "Occurrences:  \(i["occurrence_count"]?.cell ?? "-")",
            "First seen:   \(i["first_seen_at"]?.cell ?? "-")", "Last seen:    \(i["last_seen_at"]?.cell ?? "-")",
            "Snoozed until: \(i["snoozed_until"]?.cell ?? "-")", "Resolved:     \(i["resolved_at"]?.cell ?? "-")",
            "Recent attempts: \(attempts.isEmpty ? "-" : attempts.joined(separator: ", "))",
            "Affected sources: \(ids("source_ids"))", "Affected connections: \(ids("connection_ids"))",
            "Created:      \(i["created_at"]?.cell ?? "-")", "Updated:      \(i["updated_at"]?.cell ?? "-")",
        ] + (timeline.isEmpty ? [] : ["Timeline:"] + timeline)).joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issues (open ones unless --status says otherwise).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "open, acknowledged, resolved or all.") var status: String?
        @Option(help: "Only issues of this destination.") var destination: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Rows to skip, from a previous page.") var offset: Int?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/issues",
                    query: [("status", status), ("destination_id", destination), ("limit", limit.map(String.init)), ("offset", offset.map(String.init))])
                global.output(result) {
                    let issues = result["issues"]?.arrayValue ?? []
                    let rows = issues.map { i in
                        [i["id"]?.cell ?? "", i["destination_name"]?.stringValue ?? i["destination_id"]?.cell ?? "-", i["error_type"]?.cell ?? "-",
                         i["severity"]?.cell ?? "-", i["status"]?.cell ?? "", i["occurrence_count"]?.cell ?? "", i["last_seen_at"]?.cell ?? ""]
                    }
                    var text = TableFormatter.render(headers: ["ID", "DESTINATION", "TYPE", "SEVERITY", "STATUS", "COUNT", "LAST SEEN"], rows: rows)
                    text += DeliveriesCommand.nextPage(result["pagination"], shown: issues.count)
                    return text
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an issue with its recent failed attempts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Issue ID.") var id: String

        func run() async throws {
            try await runClient {
                let issue = try await global.client().get("/v1/issues/" + APIClient.escape(id))
                global.output(issue) { IssuesCommand.describe(issue) }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge, resolve or reopen an issue, or snooze it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Issue ID.") var id: String
        @Option(help: "open, acknowledged or resolved.") var status: String?
        @Option(help: "Snooze until this time (ISO 8601).") var snoozeUntil: String?
        @Flag(help: "Clear the snooze.") var unsnooze = false

        func run() async throws {
            try await runClient {
                // Checked here rather than in validate() so the message comes out like every
                // other client error ("Error: …", exit status 1).
                if snoozeUntil != nil, unsnooze { throw CLIError("--snooze-until and --unsnooze cannot be used together") }
                guard status != nil || snoozeUntil != nil || unsnooze else {
                    throw CLIError("Nothing to update: pass --status, --snooze-until or --unsnooze")
                }
                var body = JSONObject()
                if let status { body["status"] = .string(status) }
                if let snoozeUntil { body["snoozed_until"] = .string(snoozeUntil) }
                if unsnooze { body["snoozed_until"] = .null }
                let issue = try await global.client().patch("/v1/issues/" + APIClient.escape(id), .object(body))
                global.output(issue) { "✓ Updated issue\n" + IssuesCommand.describe(issue) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a new attempt for each of an issue's failed deliveries.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Issue ID.") var id: String

        func run() async throws {
            try await runClient {
                // The endpoint takes no body, so none is sent.
                let result = try await global.client().send("POST", "/v1/issues/\(APIClient.escape(id))/retry", body: nil)
                global.output(result) { "✓ Retried \(result["retried"]?.cell ?? "0") of \(result["total"]?.cell ?? "0") failed deliveries" }
            }
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count issues by status.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let counts = try await global.client().get("/v1/issues/summary")
                global.output(counts) {
                    "open: \(counts["open"]?.cell ?? "0"), acknowledged: \(counts["acknowledged"]?.cell ?? "0"), resolved: \(counts["resolved"]?.cell ?? "0")"
                }
            }
        }
    }
}
