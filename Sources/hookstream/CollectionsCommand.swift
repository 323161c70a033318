import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct CollectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collections", abstract: "Instant Database: the latest state of every object a source's webhooks describe.",
        subcommands: [List.self, Get.self, Create.self, Delete.self, Stats.self, Schema.self, Records.self, Export.self, Backfill.self])

    static func describe(_ c: JSON) -> String {
        [
            "ID:           \(c["id"]?.cell ?? "-")", "Name:         \(c["name"]?.cell ?? "-")", "Slug:         \(c["slug"]?.cell ?? "-")",
            "Source:       \(c["source_id"]?.cell ?? "-")", "Primary key:  \(c["primary_key_path"]?.cell ?? "-")",
            "Timestamp:    \(c["timestamp_path"].map { $0 == .null ? "received_at" : $0.cell } ?? "received_at")",
            "Records:      \(c["record_count"]?.cell ?? "0")", "Last sync:    \(c["last_sync_at"]?.cell ?? "-")",
            "Description:  \(c["description"]?.cell ?? "-")", "Created:      \(c["created_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    /// A path segment: record keys may hold `/`, `?` or spaces, which must not split the path.
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%+&=")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func moreHint(_ page: JSON) -> String {
        page["has_more"] == .bool(true) ? (page["next_cursor"] ?? page["cursor"]).flatMap(\.stringValue).map { "\nMore: --cursor \($0)" } ?? "" : ""
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List collections.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only collections fed by this source.") var source: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/collections", query: [("source_id", source), ("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["collections"]?.arrayValue ?? []).map { c in
                        [c["id"]?.cell ?? "", c["name"]?.cell ?? "-", c["slug"]?.cell ?? "-", c["source_id"]?.cell ?? "-",
                         c["primary_key_path"]?.cell ?? "-", c["record_count"]?.cell ?? "0"]
                    }
                    return TableFormatter.render(headers: ["ID", "NAME", "SLUG", "SOURCE", "PRIMARY KEY", "RECORDS"], rows: rows)
                        + CollectionsCommand.moreHint(result)
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a collection.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String

        func run() async throws {
            try await runClient {
                let collection = try await global.client().get("/v1/collections/" + CollectionsCommand.segment(id))
                global.output(collection) { CollectionsCommand.describe(collection) }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a collection fed by a source.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "Source ID whose events feed the collection.") var source: String
        @Option(name: .customLong("primary-key"), help: "Dot path to each object's ID in the event body, e.g. data.object.id.") var primaryKey: String
        @Option(name: .customLong("timestamp-path"), help: "Dot path to the provider's timestamp; last write wins on it instead of received_at.")
        var timestampPath: String?
        @Option(help: "URL-safe slug (default: derived from the name).") var slug: String?
        @Option(help: "Description.") var description: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["name": .string(name), "source_id": .string(source), "primary_key_path": .string(primaryKey)]
                if let timestampPath { body["timestamp_path"] = .string(timestampPath) }
                if let slug { body["slug"] = .string(slug) }
                if let description { body["description"] = .string(description) }
                let created = try await global.client().post("/v1/collections", .object(body))
                global.output(created) { "✓ Created collection\n" + CollectionsCommand.describe(created["collection"] ?? created) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a collection with all its records.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete collection \(id) and all its records?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/collections/" + CollectionsCommand.segment(id))
                global.output(result) { "✓ Deleted collection \(id)" }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record count, changelog size, last sync and skipped events.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String

        func run() async throws {
            try await runClient {
                let stats = try await global.client().get("/v1/collections/\(CollectionsCommand.segment(id))/stats")
                global.output(stats) {
                    [
                        "Records:            \(stats["record_count"]?.cell ?? "0")", "Changelog entries:  \(stats["changelog_entries"]?.cell ?? "0")",
                        "Last sync:          \(stats["last_sync_at"]?.cell ?? "-")", "Skipped (older):    \(stats["skipped_older"]?.cell ?? "0")",
                        "Skipped (no key):   \(stats["skipped_no_key"]?.cell ?? "0")",
                    ].joined(separator: "\n")
                }
            }
        }
    }

    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The fields of the records, inferred from the 200 newest.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String

        func run() async throws {
            try await runClient {
                let schema = try await global.client().get("/v1/collections/\(CollectionsCommand.segment(id))/schema")
                global.output(schema) {
                    let rows = (schema["fields"]?.arrayValue ?? []).map { f in
                        let type = f["types"]?.arrayValue.map { "mixed (" + $0.compactMap(\.stringValue).joined(separator: ", ") + ")" }
                        return [f["name"]?.cell ?? "", type ?? f["type"]?.cell ?? "", f["nullable"] == .bool(true) ? "yes" : "no"]
                    }
                    let truncated = schema["truncated"] == .bool(true) ? " (more fields than listed)" : ""
                    return TableFormatter.render(headers: ["FIELD", "TYPE", "NULLABLE"], rows: rows)
                        + "\nSampled \(schema["sample_count"]?.cell ?? "0") records\(truncated)"
                }
            }
        }
    }

    struct Records: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a collection's records, show one by key, or its changelog.",
            discussion: "hookstream collections records <id>                 # newest first\n"
                + "hookstream collections records <id> --search jane@example.com\n"
                + "hookstream collections records <id> <key>           # one record\n"
                + "hookstream collections records <id> <key> --changelog")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String
        @Argument(help: "A record key: show that record.") var key: String?
        @Flag(help: "With a key: the record's change history.") var changelog = false
        @Option(help: "Only records whose data holds every word of this (full text).") var search: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func validate() throws {
            if changelog, key == nil { throw ValidationError("--changelog needs a record key") }
            if search != nil, key != nil { throw ValidationError("--search lists records; it takes no record key") }
        }

        func run() async throws {
            try await runClient {
                let base = "/v1/collections/\(CollectionsCommand.segment(id))/records"
                let paging = [("limit", limit.map(String.init)), ("cursor", cursor)]
                let client = try global.client()
                if let key, changelog {
                    let page = try await client.get("\(base)/\(CollectionsCommand.segment(key))/changelog", query: paging)
                    global.output(page) {
                        let rows = (page["changelog"]?.arrayValue ?? []).map { e in
                            [e["created_at"]?.cell ?? "", e["action"]?.cell ?? "", e["event_id"]?.cell ?? "", e["source_event_at"]?.cell ?? ""]
                        }
                        return TableFormatter.render(headers: ["AT", "ACTION", "EVENT", "SOURCE EVENT AT"], rows: rows) + CollectionsCommand.moreHint(page)
                    }
                } else if let key {
                    let result = try await client.get("\(base)/\(CollectionsCommand.segment(key))")
                    global.output(result) {
                        let r = result["record"] ?? .null
                        return [
                            "Key:              \(r["record_key"]?.cell ?? "-")", "ID:               \(r["id"]?.cell ?? "-")",
                            "Event:            \(r["event_id"]?.cell ?? "-")", "Source event at:  \(r["source_event_at"]?.cell ?? "-")",
                            "Synced:           \(r["synced_at"]?.cell ?? "-")", "Data:", (r["data"] ?? .null).serialized(options: .prettyPrinted),
                        ].joined(separator: "\n")
                    }
                } else {
                    let page = try await client.get(base, query: paging + [("search", search)])
                    global.output(page) {
                        let rows = (page["records"]?.arrayValue ?? []).map { r in
                            [r["primary_key"]?.cell ?? "", r["event_id"]?.cell ?? "", r["source_event_at"]?.cell ?? "", r["synced_at"]?.cell ?? ""]
                        }
                        return TableFormatter.render(headers: ["KEY", "EVENT", "SOURCE EVENT AT", "SYNCED"], rows: rows) + CollectionsCommand.moreHint(page)
                    }
                }
            }
        }
    }
}
