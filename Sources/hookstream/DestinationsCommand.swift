import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct DestinationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destinations", abstract: "Manage delivery destinations.",
        subcommands: [List.self, Create.self, Get.self, Delete.self, Circuit.self, CircuitReset.self])

    static func describe(_ d: JSON) -> String {
        [
            "ID:           \(d["id"]?.cell ?? "-")", "Name:         \(d["name"]?.cell ?? "-")", "Type:         \(d["type"]?.cell ?? "-")",
            "URL:          \(d["url"]?.cell ?? "-")", "Method:       \(d["method"]?.cell ?? "-")", "Timeout:      \(d["timeout"]?.cell ?? "-") s",
            "Retries:      \(d["retry_max_attempts"]?.cell ?? "-") attempts, \(d["retry_backoff_type"]?.cell ?? "-") \(d["retry_intervals"]?.cell ?? "")",
            "Status:       \(d["status"]?.cell ?? "-")", "Circuit:      \(d["circuit_state"]?.cell ?? "-")", "Created:      \(d["created_at"]?.cell ?? "-")",
        ].joined(separator: "\n") + providerLines(d)
    }

    /// A provider type's settings as the server shows them (credentials already masked).
    static func providerLines(_ d: JSON) -> String {
        guard d["type"] != "http", case .object(let settings)? = d["provider_config"], !settings.isEmpty else { return "" }
        let width = (settings.keys.map(\.count).max() ?? 0) + 2
        let lines = settings.map { key, value in "  " + (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + (value.stringValue ?? value.serialized()) }
        return "\nConfig:\n" + lines.joined(separator: "\n")
    }

    static func describeCircuit(_ c: JSON) -> String {
        [
            "Destination:  \(c["destination_id"]?.cell ?? "-")", "State:        \(c["state"]?.cell ?? "-")",
            "Failures:     \(c["failure_count"]?.cell ?? "-")", "Last failure: \(c["last_failure_at"]?.cell ?? "-")",
            "Opened at:    \(c["opened_at"]?.cell ?? "-")",
        ].joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List destinations.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "active or paused.") var status: String?
        @Option(help: "Provider type, e.g. http.") var type: String?
        @Option(help: "Page size (1-100).") var limit: Int?
        @Option(help: "Cursor from a previous page.") var cursor: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/destinations", query: [("status", status), ("type", type), ("limit", limit.map(String.init)), ("cursor", cursor)])
                global.output(result) {
                    let rows = (result["destinations"]?.arrayValue ?? []).map { d in
                        [d["id"]?.cell ?? "", d["name"]?.cell ?? "", d["type"]?.cell ?? "", d["url"]?.cell ?? "-", d["status"]?.cell ?? "", d["circuit_state"]?.cell ?? ""]
                    }
                    var text = TableFormatter.render(headers: ["ID", "NAME", "TYPE", "URL", "STATUS", "CIRCUIT"], rows: rows)
                    if result["has_more"] == .bool(true), let next = result["cursor"]?.stringValue { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a destination.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Display name.") var name: String
        @Option(help: "Provider type (default http).") var type: String?
        @Option(help: "Delivery URL (HTTP destinations).") var url: String?
        @Option(help: "HTTP method (default POST).") var method: String?
        @Option(name: .customLong("header"), help: "A header to send, as Name:Value (repeatable).") var headers: [String] = []
        @Option(help: "Request timeout in seconds (default 30).") var timeout: Double?
        @Option(help: "The type's settings as a JSON object, inline or @file.json (the provider pages' `config`).") var config: String?
        @Option(help: "Provider settings as a JSON object, inline or @file.json.") var providerConfig: String?
        @Option(help: "Attempts in total, 1-10 (default 5).") var retryMaxAttempts: Int?
        @Option(help: "exponential, linear or fixed.") var retryBackoffType: String?
        @Option(help: "Comma-separated retry intervals in seconds.") var retryIntervals: String?
        @Option(help: "Secret for signing deliveries (HMAC-SHA256 unless --signing-algorithm).") var signingSecret: String?
        @Option(help: "sha256, sha1 or standard_webhooks.") var signingAlgorithm: String?

        func run() async throws {
            try await runClient {
                var body: JSONObject = ["name": .string(name)]
                if let type { body["type"] = .string(type) }
                if let url { body["url"] = .string(url) }
                if let method { body["method"] = .string(method) }
                if !headers.isEmpty {
                    var object = JSONObject()
                    for header in headers {
                        guard let colon = header.firstIndex(of: ":") else { throw CLIError("--header must look like Name:Value") }
                        object[String(header[..<colon]).trimmingCharacters(in: .whitespaces)] =
                            .string(String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
                    }
                    body["headers"] = .object(object)
                }
                if let timeout { body["timeout"] = .number(timeout) }
                if let config {
                    let value = try jsonOption(config, "--config")
                    guard case .object = value else { throw CLIError("--config must be a JSON object") }
                    body["config"] = value
                }
                if let providerConfig {
                    let value = try jsonOption(providerConfig, "--provider-config")
                    guard case .object = value else { throw CLIError("--provider-config must be a JSON object") }
                    body["provider_config"] = value
                }
                if let retryMaxAttempts { body["retry_max_attempts"] = .number(Double(retryMaxAttempts)) }
                if let retryBackoffType { body["retry_backoff_type"] = .string(retryBackoffType) }
                if let retryIntervals {
                    let values = try retryIntervals.split(separator: ",").map { part -> JSON in
                        guard let n = Double(part.trimmingCharacters(in: .whitespaces)) else { throw CLIError("--retry-intervals must be numbers") }
                        return .number(n)
                    }
                    body["retry_intervals"] = .array(values)
                }
                if let signingSecret {
                    var signing: JSONObject = ["secret": .string(signingSecret)]
                    if let signingAlgorithm { signing["algorithm"] = .string(signingAlgorithm) }
                    body["signing_config"] = .object(signing)
                }
                let destination = try await global.client().post("/v1/destinations", .object(body))
                global.output(destination) { "✓ Created destination\n" + DestinationsCommand.describe(destination) }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a destination.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Destination ID.") var id: String

        func run() async throws {
            try await runClient {
                let destination = try await global.client().get("/v1/destinations/" + APIClient.escape(id))
                global.output(destination) { DestinationsCommand.describe(destination) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a destination.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Destination ID.") var id: String
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

        func run() async throws {
            try await runClient {
                if !force {
                    guard confirm("Delete destination \(id)?") else { throw CLIError("Aborted") }
                }
                let result = try await global.client().delete("/v1/destinations/" + APIClient.escape(id))
                global.output(result) { "✓ Deleted destination \(id)" }
            }
        }
    }

    struct Circuit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a destination's circuit breaker.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Destination ID.") var id: String

        func run() async throws {
            try await runClient {
                let circuit = try await global.client().get("/v1/destinations/\(APIClient.escape(id))/circuit")
                global.output(circuit) { DestinationsCommand.describeCircuit(circuit) }
            }
        }
    }

    struct CircuitReset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "circuit-reset", abstract: "Close a destination's circuit by hand.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Destination ID.") var id: String

        func run() async throws {
            try await runClient {
                let circuit = try await global.client().post("/v1/destinations/\(APIClient.escape(id))/circuit/reset", [:])
                global.output(circuit) { "✓ Circuit reset\n" + DestinationsCommand.describeCircuit(circuit) }
            }
        }
    }
}
