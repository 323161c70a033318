import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources", abstract: "Manage webhook and database (PostgreSQL change capture) sources.",
        subcommands: [
            List.self, Create.self, Get.self, Delete.self, Templates.self, Tables.self, Pause.self, Resume.self, SetTables.self,
            Backfill.self, Destinations.self,
        ])

    static func describe(_ s: JSON) -> String {
        if s["type"] == "postgresql" { return describeDatabase(s) }
        return [
            "ID:            \(s["id"]?.cell ?? "-")", "Name:          \(s["name"]?.cell ?? "-")",
            "Slug:          \(s["slug"]?.cell ?? "-")", "URL:           \(s["url"]?.cell ?? "-")",
            "Template:      \(s["template"]?.cell ?? "-")", "Verification:  \(s["verification_type"]?.cell ?? "-")",
            "Dedup:         \(s["dedup_strategy"]?.cell ?? "-")", "Events:        \(s["event_count"]?.cell ?? "-")",
            "Created:       \(s["created_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sources.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only sources with this status.") var status: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/sources", query: [("status", status), ("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["sources"]?.arrayValue ?? []).map { s in
                        [s["id"]?.cell ?? "", s["name"]?.cell ?? "", s["verification_type"]?.cell ?? "-", s["event_count"]?.cell ?? "0", s["created_at"]?.cell ?? ""]
                    }
                    var text = TableFormatter.render(headers: ["ID", "NAME", "VERIFICATION", "EVENTS", "CREATED"], rows: rows)
                    if result["has_more"] == .bool(true), let next = result["cursor"]?.stringValue { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a source.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "URL-safe slug (default: derived from the name).") var slug: String?
        @Option(help: "Provider template id (see `sources templates`).") var template: String?
        @Option(help: "hmac_sha256, hmac_sha1 or standard_webhooks.") var verificationType: String?
        @Option(help: "Signing secret for verification.") var verificationSecret: String?
        @Option(help: "Header carrying the signature.") var verificationHeader: String?
        @Option(help: "payload_hash, header_field or body_field.") var dedupStrategy: String?
        @Option(help: "Header name or body path for field-based dedup.") var dedupField: String?
        @Option(help: "webhook (default) or postgresql (change capture).") var type: String?
        @Option(help: "postgresql: the database's URI, postgres://USER:PASSWORD@HOST:PORT/DATABASE.") var connectionUri: String?
        @Option(help: "postgresql: tables to capture, comma-separated (default: every table).") var tables: String?
        @Flag(help: "postgresql: first emit the rows the tables already hold, as INSERT events marked snapshot.") var snapshot = false
        @Option(help: "active (default) or paused.") var status: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["name": .string(name)]
                for (key, value) in [("type", type), ("connection_uri", connectionUri), ("status", status)] {
                    if let value { body[key] = .string(value) }
                }
                if let tables { body["tables"] = SourcesCommand.tableList(tables) }
                if snapshot { body["snapshot"] = true }
                for (key, value) in [
                    ("slug", slug), ("template", template), ("verification_type", verificationType),
                    ("verification_secret", verificationSecret), ("verification_header", verificationHeader),
                    ("dedup_strategy", dedupStrategy), ("dedup_field", dedupField),
                ] {
                    if let value { body[key] = .string(value) }
                }
                let source = try await global.client().post("/v1/sources", .object(body))
                global.output(source) { "✓ Created source\n" + SourcesCommand.describe(source) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a source.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String

        func run() async throws {
            try await runClient {
                let source = try await global.client().get("/v1/sources/" + APIClient.escape(id))
                global.output(source) { SourcesCommand.describe(source) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a source.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete source \(id)?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/sources/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted source \(id)" }
            }
        }
    }

    struct Templates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List source templates.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/sources/templates")
                global.output(result) {
                    let rows = (result["templates"]?.arrayValue ?? []).map { t in
                        [t["id"]?.cell ?? "", t["name"]?.cell ?? "", t["verification_type"]?.cell ?? "", t["verification_header"]?.cell ?? "-"]
                    }
                    return TableFormatter.render(headers: ["ID", "NAME", "VERIFICATION", "HEADER"], rows: rows)
                }
            }
        }
    }
}

/// Asks a yes/no question on the terminal; no answer (closed stdin) means no.
func confirm(_ question: String) -> Bool {
    print("\(question) [y/N] ", terminator: "")
    flushStandardOutput()
    guard let answer = readLine()?.lowercased() else { return false }
    return answer == "y" || answer == "yes"
}
