import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections", abstract: "Route events from sources to destinations.",
        subcommands: [List.self, Create.self, Get.self, Delete.self])

    static func describe(_ c: JSON) -> String {
        [
            "ID:           \(c["id"]?.cell ?? "-")", "Name:         \(c["name"]?.cell ?? "-")",
            "Source:       \(c["source_name"]?.cell ?? "-") (\(c["source_id"]?.cell ?? "-"))",
            "Destination:  \(c["destination_name"]?.cell ?? "-") (\(c["destination_id"]?.cell ?? "-"))",
            "Filters:      \(c["filter_rules"]?.cell ?? "[]")", "Transform:    \(c["transform_expression"]?.cell ?? "-") (enabled: \(c["transform_enabled"]?.cell ?? "false"))",
            "Created:      \(c["created_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connections.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only connections from this source.") var source: String?
        @Option(help: "Only connections to this destination.") var destination: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/connections", query: [("source_id", source), ("destination_id", destination), ("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["connections"]?.arrayValue ?? []).map { c in
                        [c["id"]?.cell ?? "", c["name"]?.cell ?? "-", c["source_name"]?.cell ?? "-", c["destination_name"]?.cell ?? "-",
                         String(c["filter_rules"]?.arrayValue?.count ?? 0), c["transform_enabled"]?.cell ?? "false"]
                    }
                    var text = TableFormatter.render(headers: ["ID", "NAME", "SOURCE", "DESTINATION", "FILTERS", "TRANSFORM"], rows: rows)
                    if result["has_more"] == .bool(true), let next = result["cursor"]?.stringValue { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a connection.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "Source ID.") var source: String
        @Option(help: "Destination ID.") var destination: String
        @Option(help: "Filter rules as a JSON array of {field, op, value}, or @file.") var filter: String?
        @Option(help: "JSONata expression applied before delivery (enables the transform).") var transform: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["name": .string(name), "source_id": .string(source), "destination_id": .string(destination)]
                if let filter { body["filter_rules"] = try jsonOption(filter, "--filter") }
                if let transform {
                    body["transform_expression"] = .string(transform)
                    body["transform_enabled"] = true
                }
                let connection = try await global.client().post("/v1/connections", .object(body))
                global.output(connection) { "✓ Created connection\n" + ConnectionsCommand.describe(connection) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a connection.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Connection ID.") var id: String

        func run() async throws {
            try await runClient {
                let connection = try await global.client().get("/v1/connections/" + APIClient.escape(id))
                global.output(connection) { ConnectionsCommand.describe(connection) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a connection.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Connection ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete connection \(id)?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/connections/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted connection \(id)" }
            }
        }
    }
}

struct TransformsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transforms", abstract: "Try JSONata transforms.", subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evaluate an expression on a payload (POST /v1/transforms/test).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The JSONata expression.") var expression: String
        @Option(help: "The payload as JSON, or @file to read it from a file.") var payload: String = "{}"

        func run() async throws {
            try await runClient {
                let result = try await global.client().post(
                    "/v1/transforms/test", ["expression": .string(expression), "payload": try jsonOption(payload, "--payload")])
                global.output(result) {
                    result["undefined"] == .bool(true) ? "(undefined)" : (result["result"] ?? .null).serialized(options: .prettyPrinted)
                }
            }
        }
    }
}
