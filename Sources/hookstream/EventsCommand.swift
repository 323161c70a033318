import ArgumentParser
import Foundation
import HookstreamClient
import HookstreamCore
import JSONValue

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Browse received events.", subcommands: [List.self, Get.self, Retry.self, Replay.self, Archive.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only events of this source.") var source: String?
        @Option(help: "received, processing, delivered or failed.") var status: String?
        @Option(help: "Event ID prefix or body text.") var search: String?
        @Option(help: "Received at or after (ISO 8601).") var after: String?
        @Option(help: "Received at or before (ISO 8601).") var before: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/events",
                    query: [
                        ("source_id", source), ("status", status), ("search", search), ("after", after), ("before", before),
                        ("limit", limit.map(String.init)), ("cursor", cursor),
                    ])
                global.output(result) {
                    let rows = (result["events"]?.arrayValue ?? []).map { e in
                        [e["id"]?.cell ?? "", e["source_name"]?.cell ?? "-", e["method"]?.cell ?? "", e["status"]?.cell ?? "", e["body_size"]?.cell ?? "", e["received_at"]?.cell ?? ""]
                    }
                    var text = TableFormatter.render(headers: ["ID", "SOURCE", "METHOD", "STATUS", "BYTES", "RECEIVED"], rows: rows)
                    let pagination = result["pagination"]
                    text += "\n\(pagination?["total"]?.cell ?? "0") total"
                    if pagination?["has_more"] == .bool(true), let next = pagination?["next_cursor"]?.stringValue { text += " · more: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an event with its headers and body.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event ID.") var id: String

        func run() async throws {
            try await runClient {
                let e = try await global.client().get("/v1/events/" + APIClient.escape(id))
                global.output(e) {
                    var lines = [
                        "ID:          \(e["id"]?.cell ?? "-")", "Source:      \(e["source_name"]?.cell ?? "-") (\(e["source_id"]?.cell ?? "-"))",
                        "Method:      \(e["method"]?.cell ?? "-")", "Status:      \(e["status"]?.cell ?? "-")",
                        "Received:    \(e["received_at"]?.cell ?? "-")", "Source IP:   \(e["source_ip"]?.cell ?? "-")",
                        "Type:        \(e["content_type"]?.cell ?? "-")", "Size:        \(e["body_size"]?.cell ?? "-") bytes", "", "Headers:",
                    ]
                    for (name, value) in e["headers"]?.objectValue ?? [:] { lines.append("  \(name): \(value.cell)") }
                    if let query = e["query"]?.objectValue, !query.isEmpty {
                        lines.append("")
                        lines.append("Query:")
                        for (name, value) in query { lines.append("  \(name)=\(value.cell)") }
                    }
                    lines.append("")
                    lines.append("Body (\(e["body_encoding"]?.cell ?? "utf8")):")
                    switch e["body"] {
                    case .string(let s)?: lines.append(s)
                    case nil, .null?: lines.append("(empty)")
                    case let value?: lines.append(value.serialized(options: .prettyPrinted))
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver an event again to every destination it is routed to.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event ID.") var id: String

        func run() async throws {
            try await runClient {
                // The endpoint takes no body, so none is sent.
                let result = try await global.client().send("POST", "/v1/events/\(APIClient.escape(id))/retry", body: nil)
                global.output(result) {
                    var lines: [String] = []
                    for r in result["retried"]?.arrayValue ?? [] {
                        lines.append("✓ Queued \(r["delivery_attempt_id"]?.cell ?? "-") to \(r["destination_id"]?.cell ?? "-") (connection \(r["connection_id"]?.cell ?? "-"))")
                    }
                    for e in result["errors"]?.arrayValue ?? [] {
                        lines.append("✗ \(e["destination_id"]?.cell ?? "-") (connection \(e["connection_id"]?.cell ?? "-")): \(e["error"]?.cell ?? "failed")")
                    }
                    return lines.isEmpty ? "Nothing to retry: no connection routes this event" : lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Days of events moved to the archive by --retention-days, and restoring them.",
            subcommands: [ArchiveList.self, ArchiveRestore.self])
    }

    struct ArchiveList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List archived days, newest first.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/events/archives")
                global.output(result) {
                    let rows = (result["archives"]?.arrayValue ?? []).map { day in
                        [day["date"]?.cell ?? "", day["event_count"]?.cell ?? "", day["last_archived_at"]?.cell ?? "", day["last_restored_at"]?.cell ?? "-"]
                    }
                    let retention = result["retention_days"]?.numberValue.map { "Retention: \(JSON.number($0).serialized()) days" } ?? "Retention: off"
                    guard !rows.isEmpty else { return "No archived days. \(retention)" }
                    return TableFormatter.render(headers: ["DATE", "EVENTS", "ARCHIVED", "RESTORED"], rows: rows) + "\n" + retention
                }
            }
        }
    }

    struct ArchiveRestore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Re-import an archived day's events (no delivery happens; restoring twice adds nothing).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The UTC day to restore, as YYYY-MM-DD.") var date: String

        func validate() throws {
            // Checked here too: a date with slashes would otherwise reach the server as a
            // different path and come back as an unknown route.
            guard ArchiveDay(parsing: date) != nil else { throw ValidationError("--date must be a calendar date as YYYY-MM-DD, not '\(date)'") }
        }

        func run() async throws {
            try await runClient {
                // A large day takes minutes (about 3,000 events a second): wait for it rather
                // than give up at the usual 30 s. The endpoint takes no body, so none is sent.
                var client = try global.client()
                client.timeout = .minutes(30)
                let result = try await client.send("POST", "/v1/events/archives/\(APIClient.escape(date))/restore", body: nil)
                global.output(result) {
                    "Restored \(result["restored"]?.cell ?? "0") of \(result["archived_events"]?.cell ?? "0") archived events of \(result["date"]?.cell ?? date)"
                        + " (\(result["already_present"]?.cell ?? "0") already present)"
                }
            }
        }
    }
}
