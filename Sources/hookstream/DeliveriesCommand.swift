import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "Inspect and retry delivery attempts.",
        subcommands: [List.self, Get.self, Retry.self, DLQ.self])

    /// The table shared by `list` and `dlq`, which read the same endpoint.
    static func renderList(_ result: JSON) -> String {
        let attempts = result["delivery_attempts"]?.arrayValue ?? []
        let rows = attempts.map { a in
            [a["id"]?.cell ?? "", a["event_id"]?.cell ?? "", destination(a), a["status"]?.cell ?? "", a["status_code"]?.cell ?? "-",
             a["attempt_number"]?.cell ?? "", isDLQ(a) ? "yes" : "no", a["created_at"]?.cell ?? ""]
        }
        var text = TableFormatter.render(headers: ["ID", "EVENT", "DESTINATION", "STATUS", "CODE", "ATTEMPT", "DLQ", "CREATED"], rows: rows)
        text += nextPage(result["pagination"], shown: attempts.count)
        return text
    }

    /// "More: --offset N" for an offset-paginated list that has further rows, else nothing.
    static func nextPage(_ pagination: JSON?, shown: Int) -> String {
        guard pagination?["has_more"] == .bool(true) else { return "" }
        let offset = Int(pagination?["offset"]?.numberValue ?? 0)
        return "\nMore: --offset \(offset + shown)"
    }

    /// The destination's name when the server still knows it, its ID otherwise (a deleted
    /// destination leaves only the ID on old attempts).
    static func destination(_ a: JSON) -> String {
        if let name = a["destination_name"]?.stringValue { return name }
        return a["destination_id"]?.cell ?? "-"
    }

    /// The spec sends `is_dlq` as 0/1; a boolean is accepted too so the CLI does not misreport.
    static func isDLQ(_ a: JSON) -> Bool {
        a["is_dlq"] == .number(1) || a["is_dlq"] == .bool(true)
    }

    static func describe(_ a: JSON) -> String {
        let latency = a["latency_ms"].flatMap { value -> String? in value.isNull ? nil : value.cell + " ms" } ?? "-"
        let dlq = isDLQ(a) ? "yes, since " + (a["dlq_at"]?.cell ?? "-") : "no"
        var lines = [
            "ID:           \(a["id"]?.cell ?? "-")", "Event:        \(a["event_id"]?.cell ?? "-")",
            "Connection:   \(a["connection_id"]?.cell ?? "-")",
            "Destination:  \(a["destination_name"]?.cell ?? "-") (\(a["destination_id"]?.cell ?? "-"))",
            "Status:       \(a["status"]?.cell ?? "-")", "Status code:  \(a["status_code"]?.cell ?? "-")",
            "Attempt:      \(a["attempt_number"]?.cell ?? "-")", "Latency:      \(latency)",
            "Error:        \(a["error"]?.cell ?? "-")", "Error type:   \(a["error_type"]?.cell ?? "-")",
            "Next retry:   \(a["next_retry_at"]?.cell ?? "-")", "DLQ:          \(dlq)",
            "Issue:        \(a["issue_id"]?.cell ?? "-")", "Scheduled:    \(a["scheduled_at"]?.cell ?? "-")",
            "Attempted:    \(a["attempted_at"]?.cell ?? "-")", "Created:      \(a["created_at"]?.cell ?? "-")",
        ]
        for (title, key) in [("Request headers:", "request_headers"), ("Response headers:", "response_headers")] {
            lines.append("")
            lines.append(title)
            let headers = a[key]?.objectValue ?? [:]
            if headers.isEmpty { lines.append("  (none)") }
            for (name, value) in headers { lines.append("  \(name): \(value.cell)") }
        }
        lines.append("")
        lines.append("Response body:")
        switch a["response_body"] {
        case .string(let s)? where !s.isEmpty: lines.append(s)
        case nil, .null?, .string?: lines.append("(empty)")
        case let value?: lines.append(value.serialized(options: .prettyPrinted))
        }
        return lines.joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List delivery attempts, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only attempts for this event.") var event: String?
        @Option(help: "Only attempts routed by this connection.") var connection: String?
        @Option(help: "Only attempts to this destination.") var destination: String?
        @Option(help: "pending, success or failed.") var status: String?
        @Flag(help: "Only attempts in the dead-letter queue.") var dlq = false
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Rows to skip, from a previous page.") var offset: Int?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/delivery-attempts",
                    query: [
                        ("event_id", event), ("connection_id", connection), ("destination_id", destination), ("status", status),
                        ("is_dlq", dlq ? "1" : nil), ("limit", limit.map(String.init)), ("offset", offset.map(String.init)),
                    ])
                global.output(result) { DeliveriesCommand.renderList(result) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a delivery attempt with its headers and the response body.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Delivery attempt ID.") var id: String

        func run() async throws {
            try await runClient {
                let attempt = try await global.client().get("/v1/delivery-attempts/" + APIClient.escape(id))
                global.output(attempt) { DeliveriesCommand.describe(attempt) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a new attempt for a failed delivery.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "ID of the failed delivery attempt.") var id: String

        func run() async throws {
            try await runClient {
                // The endpoint takes no body, so none is sent.
                let result = try await global.client().send("POST", "/v1/delivery-attempts/\(APIClient.escape(id))/retry", body: nil)
                global.output(result) {
                    let attempt = result["delivery_attempt"]
                    return "✓ Queued attempt \(attempt?["id"]?.cell ?? "-") for event \(attempt?["event_id"]?.cell ?? "-")"
                }
            }
        }
    }

    struct DLQ: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dlq", abstract: "List the dead-letter queue: attempts that ran out of retries.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only attempts to this destination.") var destination: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Rows to skip, from a previous page.") var offset: Int?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/delivery-attempts",
                    query: [("is_dlq", "1"), ("destination_id", destination), ("limit", limit.map(String.init)), ("offset", offset.map(String.init))])
                global.output(result) { DeliveriesCommand.renderList(result) }
            }
        }
    }
}
