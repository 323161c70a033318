import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Publish events to topics and fan them out to subscribed destinations.",
        subcommands: [List.self, Create.self, Get.self, Delete.self, Subscribe.self, Unsubscribe.self, Publish.self])

    static func describe(_ t: JSON) -> String {
        [
            "ID:             \(t["id"]?.cell ?? "-")", "Name:           \(t["name"]?.cell ?? "-")", "Slug:           \(t["slug"]?.cell ?? "-")",
            "Description:    \(t["description"]?.cell ?? "-")", "Subscriptions:  \(t["subscription_count"]?.cell ?? "0")",
            "Publish URL:    \(t["publish_url"]?.cell ?? "-")", "Created:        \(t["created_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    static func subscriptionRow(_ s: JSON) -> [String] {
        [
            s["id"]?.cell ?? "", s["destination_name"]?.cell ?? "-", s["destination_id"]?.cell ?? "-",
            String(s["filter_rules"]?.arrayValue?.count ?? 0), s["transform_expression"] == .null ? "-" : "yes",
        ]
    }

    static let subscriptionHeaders = ["ID", "DESTINATION", "DESTINATION ID", "FILTERS", "TRANSFORM"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/topics", query: [("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["topics"]?.arrayValue ?? []).map { t in
                        [t["id"]?.cell ?? "", t["name"]?.cell ?? "-", t["slug"]?.cell ?? "-", t["subscription_count"]?.cell ?? "0"]
                    }
                    var text = TableFormatter.render(headers: ["ID", "NAME", "SLUG", "SUBSCRIPTIONS"], rows: rows)
                    if result["has_more"] == .bool(true), let next = result["cursor"]?.stringValue { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "URL-safe slug publishers address the topic by (lower-case letters, digits, hyphens).") var slug: String
        @Option(help: "Description.") var description: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["name": .string(name), "slug": .string(slug)]
                if let description { body["description"] = .string(description) }
                let topic = try await global.client().post("/v1/topics", .object(body))
                global.output(topic) { "✓ Created topic\n" + TopicsCommand.describe(topic) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a topic and its subscriptions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Topic ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/topics/" + APIClient.escape(id))
                global.output(result) {
                    let rows = (result["subscriptions"]?.arrayValue ?? []).map(TopicsCommand.subscriptionRow)
                    return TopicsCommand.describe(result["topic"] ?? .null) + "\n\n"
                        + TableFormatter.render(headers: TopicsCommand.subscriptionHeaders, rows: rows)
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic and its subscriptions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Topic ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete topic \(id) and its subscriptions?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/topics/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted topic \(id)" }
            }
        }
    }

    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribe a destination to a topic.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Topic ID.") var topic: String
        @Option(help: "Destination ID.") var destination: String
        @Option(help: "Filter rules as a JSON array of {field, op, value}, or @file.") var filter: String?
        @Option(help: "JSONata expression applied before delivery.") var transform: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["destination_id": .string(destination)]
                if let filter { body["filter_rules"] = try jsonOption(filter, "--filter") }
                if let transform { body["transform_expression"] = .string(transform) }
                let result = try await global.client().post("/v1/topics/\(APIClient.escape(topic))/subscriptions", .object(body))
                global.output(result) {
                    "✓ Subscribed\n" + TableFormatter.render(headers: TopicsCommand.subscriptionHeaders, rows: [TopicsCommand.subscriptionRow(result["subscription"] ?? .null)])
                }
            }
        }
    }

    struct Unsubscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription from a topic.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Topic ID.") var topic: String
        @Argument(help: "Subscription ID.") var subscription: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().delete("/v1/topics/\(APIClient.escape(topic))/subscriptions/\(APIClient.escape(subscription))")
                global.output(result) { "✓ Removed subscription \(subscription)" }
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish an event to a topic.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Topic slug.") var slug: String
        @Option(help: "The event as JSON, or @file to read it from a file.") var data: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().post("/v1/topics/\(APIClient.escape(slug))/publish", try jsonOption(data, "--data"))
                global.output(result) { "✓ Published \(result["event_id"]?.cell ?? "-") to \(result["topic"]?.cell ?? slug)" }
            }
        }
    }
}
