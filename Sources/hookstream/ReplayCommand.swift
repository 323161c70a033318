import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Re-send a window of stored events to a destination at a bounded rate.",
        subcommands: [Create.self, Status.self, List.self, Cancel.self])

    static func describe(_ j: JSON) -> String {
        [
            "ID:           \(j["id"]?.cell ?? "-")", "Status:       \(j["status"]?.cell ?? "-")",
            "Destination:  \(j["destination_id"]?.cell ?? "-")", "Source:       \(j["source_id"]?.cell ?? "any")",
            "Window:       \(j["from"]?.cell ?? "-") → \(j["to"]?.cell ?? "-")",
            "Rate limit:   \(j["rate_limit"]?.cell ?? "-")/s (max \(j["max_events"]?.cell ?? "-") events)",
            "Progress:     \(j["processed"]?.cell ?? "0")/\(j["total"]?.cell ?? "0") (succeeded \(j["succeeded"]?.cell ?? "0"), failed \(j["failed"]?.cell ?? "0"))",
            "Started:      \(j["started_at"]?.cell ?? "-")", "Completed:    \(j["completed_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a replay job.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Destination ID to send the events to.") var destination: String
        @Option(help: "Start of the window (ISO 8601).") var from: String
        @Option(help: "End of the window (ISO 8601).") var to: String
        @Option(help: "Only events of this source.") var source: String?
        @Option(help: "Events per second (1-100, default 10).") var rateLimit: Int?
        @Option(help: "At most this many events (1-10000, default 1000).") var maxEvents: Int?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["destination_id": .string(destination), "from": .string(from), "to": .string(to)]
                if let source { body["source_id"] = .string(source) }
                if let rateLimit { body["rate_limit"] = .number(Double(rateLimit)) }
                if let maxEvents { body["max_events"] = .number(Double(maxEvents)) }
                let result = try await global.client().post("/v1/replay", .object(body))
                global.output(result) { "✓ Started replay job\n" + ReplayCommand.describe(result["job"] ?? .null) }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a replay job's progress.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Replay job ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/replay/" + APIClient.escape(id))
                global.output(result) { ReplayCommand.describe(result["job"] ?? .null) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List replay jobs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get("/v1/replay", query: [("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["jobs"]?.arrayValue ?? []).map { j in
                        [j["id"]?.cell ?? "", j["status"]?.cell ?? "-", j["destination_id"]?.cell ?? "-",
                         "\(j["processed"]?.cell ?? "0")/\(j["total"]?.cell ?? "0")", j["failed"]?.cell ?? "0", j["started_at"]?.cell ?? "-"]
                    }
                    var text = TableFormatter.render(headers: ["ID", "STATUS", "DESTINATION", "PROGRESS", "FAILED", "STARTED"], rows: rows)
                    if result["has_more"] == .bool(true), let next = result["cursor"]?.stringValue { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a running replay job.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Replay job ID.") var id: String

        func run() async throws {
            try await runClient {
                let result = try await global.client().post("/v1/replay/\(APIClient.escape(id))/cancel", .object([:]))
                global.output(result) { "✓ Cancelled\n" + ReplayCommand.describe(result["job"] ?? .null) }
            }
        }
    }
}
