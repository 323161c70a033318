import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

extension CollectionsCommand {
    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-build a collection from its source's stored events, or show the backfill's progress.",
            discussion: "hookstream collections backfill <id>            # start it\n"
                + "hookstream collections backfill <id> --wait     # start it and follow it to the end\n"
                + "hookstream collections backfill <id> --status   # the latest backfill's progress")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String
        @Flag(help: "Only show the latest backfill; start nothing.") var status = false
        @Flag(help: "Follow the backfill until it ends; a failed one exits with status 1.") var wait = false

        func run() async throws {
            try await runClient {
                let path = "/v1/collections/\(CollectionsCommand.segment(id))/backfill"
                let client = try global.client()
                var current = status ? try await client.get(path) : try await client.post(path, .object([:]))
                if !status, !wait, !global.json { print("✓ Backfill started") }
                while wait, current["status"] == "running" {
                    if !global.json { print(Self.describe(current)) }
                    try await Task.sleep(for: .milliseconds(500))
                    current = try await client.get(path)
                }
                global.output(current) { Self.describe(current) }
                if wait, current["status"] == "failed" { throw CLIError("The backfill failed: \(current["error"]?.cell ?? "-")") }
            }
        }

        static func describe(_ b: JSON) -> String {
            guard b["status"] != "none" else { return "No backfill has run for this collection" }
            return "Backfill \(b["status"]?.cell ?? "-"): \(b["progress"]?.cell ?? "0")/\(b["total"]?.cell ?? "0") events"
                + " (started \(b["started_at"]?.cell ?? "-")\(b["completed_at"].flatMap { $0 == .null ? nil : ", ended \($0.cell)" } ?? ""))"
                + (b["error"].flatMap { $0 == .null ? nil : "\nError: \($0.cell)" } ?? "")
        }
    }
}
