import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

/// The database-source (PostgreSQL change capture) side of `hookstream sources`: tables,
/// pause and resume, table edits, backfill and streamhook destinations.
extension SourcesCommand {
    static func describeDatabase(_ s: JSON) -> String {
        let stats = s["stats"] ?? .null
        var lines = [
            "ID:            \(s["id"]?.cell ?? "-")", "Name:          \(s["name"]?.cell ?? "-")",
            "Type:          postgresql", "Status:        \(s["status"]?.cell ?? "-")",
            "Connection:    \(s["connection_uri"]?.cell ?? "-")",
            "Tables:        \((s["tables"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))",
            "Captured:      \(stats["changes_captured"]?.cell ?? "0") changes (\(stats["events_delivered"]?.cell ?? "0") delivered, \(stats["events_failed"]?.cell ?? "0") failed)",
            "Last LSN:      \(stats["last_lsn"]?.cell ?? "-")", "Slot lag:      \(stats["slot_lag_bytes"].map { $0 == .null ? "-" : "\($0.cell) bytes" } ?? "-")",
            "Created:       \(s["created_at"]?.cell ?? "-")",
        ]
        if let snapshot = stats["snapshot"]?.objectValue {
            let table = snapshot["table"]?.stringValue.map { ", reading \($0)" } ?? ""
            lines.append(
                "Snapshot:      \(snapshot["status"]?.cell ?? "-"), \(snapshot["rows"]?.cell ?? "0") rows, "
                    + "\(snapshot["tables_done"]?.cell ?? "0")/\(snapshot["tables_total"]?.cell ?? "0") tables\(table)")
        }
        if let error = stats["last_error"]?.stringValue { lines.append("Last error:    \(error)") }
        if let warning = stats["warning"]?.stringValue { lines.append("Warning:       \(warning)") }
        return lines.joined(separator: "\n")
    }

    /// `a,b` (or a single name) as the API's `tables` array.
    static func tableList(_ text: String) -> JSON {
        .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
    }

    struct Tables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a database source's tables and which are captured.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/sources/" + APIClient.escape(id) + "/tables")
                global.output(result) {
                    let rows = (result["tables"]?.arrayValue ?? []).map { t in
                        [
                            t["name"]?.cell ?? "", t["captured"] == true ? "yes" : "no", t["has_primary_key"] == true ? "yes" : "no",
                            t["replica_identity"]?.cell ?? "",
                        ]
                    }
                    return TableFormatter.render(headers: ["TABLE", "CAPTURED", "PRIMARY KEY", "REPLICA IDENTITY"], rows: rows)
                }
            }
        }
    }

    /// `pause` and `resume` are one PATCH of `status`.
    static func setStatus(_ global: GlobalOptions, id: String, status: String) async throws {
        try await runClient {
            let source = try await global.client().patch("/v1/sources/" + APIClient.escape(id), ["status": .string(status)])
            global.output(source) { "✓ Source \(id) is \(status)" }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a source (a database source stops capturing; its slot keeps the changes).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String

        func run() async throws { try await SourcesCommand.setStatus(global, id: id, status: "paused") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused source.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String

        func run() async throws { try await SourcesCommand.setStatus(global, id: id, status: "active") }
    }

    struct SetTables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-tables", abstract: "Change the tables a database source captures.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String
        @Argument(help: "Tables, comma-separated (orders, sales.orders).") var tables: String

        func run() async throws {
            try await runClient {
                let source = try await global.client().patch("/v1/sources/" + APIClient.escape(id), ["tables": SourcesCommand.tableList(tables)])
                global.output(source) { "✓ Updated source\n" + SourcesCommand.describe(source) }
            }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Emit a database source's existing rows again, as snapshot INSERT events, while its changes go on streaming.",
            discussion: "Progress shows in `hookstream sources get <id>` (Snapshot). A paused or unconnected source backfills when it captures again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String
        @Option(help: "Only these captured tables, comma-separated (default: every captured table).") var tables: String?

        func run() async throws {
            try await runClient {
                let body: JSONObject = tables.map { ["tables": SourcesCommand.tableList($0)] } ?? [:]
                let source = try await global.client().post("/v1/sources/" + APIClient.escape(id) + "/backfill", .object(body))
                global.output(source) { "✓ \(source["message"]?.cell ?? "Backfill started")\n" + SourcesCommand.describe(source) }
            }
        }
    }

    struct Destinations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A source's webhook destinations (streamhook shortcut: destination + connection).",
            subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a webhook destination to a source.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Source ID.") var id: String
            @Option(help: "The endpoint's URL.") var url: String
            @Option(help: "Signing secret (X-StreamHook-Signature).") var secret: String?
            @Option(name: [.customShort("H"), .customLong("header")], help: "A header to send, 'Name: value' (repeatable).") var headers: [String] = []

            func run() async throws {
                try await runClient {
                    var body: JSONObject = ["url": .string(url)]
                    if let secret { body["secret"] = .string(secret) }
                    if !headers.isEmpty {
                        var parsed: JSONObject = [:]
                        for header in headers {
                            guard let colon = header.firstIndex(of: ":") else { throw CLIError("--header must be 'Name: value', not '\(header)'") }
                            parsed[header[..<colon].trimmingCharacters(in: .whitespaces)] = .string(header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                        }
                        body["headers"] = .object(parsed)
                    }
                    let created = try await global.client().post("/v1/sources/" + APIClient.escape(id) + "/destinations", .object(body))
                    global.output(created) { "✓ Added destination \(created["id"]?.cell ?? "-") → \(created["url"]?.cell ?? "-")" }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a source's destinations.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Source ID.") var id: String

            func run() async throws {
                try await runClient {
                    let result = try await global.client().get("/v1/sources/" + APIClient.escape(id) + "/destinations")
                    global.output(result) {
                        let rows = (result["destinations"]?.arrayValue ?? []).map { d in
                            [d["id"]?.cell ?? "", d["url"]?.cell ?? "", d["secret"] == .null ? "-" : d["secret"]?.cell ?? "-", d["status"]?.cell ?? ""]
                        }
                        return TableFormatter.render(headers: ["ID", "URL", "SECRET", "STATUS"], rows: rows)
                    }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a destination from a source (deletes it).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Source ID.") var id: String
            @Argument(help: "Destination ID (dst_…).") var destination: String

            func run() async throws {
                try await runClient {
                    let result = try await global.client().delete(
                        "/v1/sources/" + APIClient.escape(id) + "/destinations/" + APIClient.escape(destination))
                    global.output(result) { "✓ Removed destination \(destination)" }
                }
            }
        }
    }
}
