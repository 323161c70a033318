import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Traffic, delivery success and latency, from the server's hourly rollups.",
        subcommands: [Overview.self, Volume.self])

    struct Overview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Today's and this week's figures (UTC days).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runClient {
                let o = try await global.client().get("/v1/metrics/overview")
                global.output(o) {
                    let rate = o["success_rate_today"].flatMap { $0 == .null ? nil : $0.cell }.map { $0 + " %" } ?? "-"
                    let rows: [[String]] = [
                        ["Events today", o["events_today"]?.cell ?? "0"], ["Events this week", o["events_this_week"]?.cell ?? "0"],
                        ["Deliveries today", o["deliveries_today"]?.cell ?? "0"], ["Succeeded today", o["success_today"]?.cell ?? "0"],
                        ["Failed today", o["failed_today"]?.cell ?? "0"], ["Success rate today", rate],
                        ["Dead-lettered (all time)", o["dlq_count"]?.cell ?? "0"], ["Open issues", o["open_issues"]?.cell ?? "0"],
                        ["Active sources", o["active_sources"]?.cell ?? "0"], ["Active destinations", o["active_destinations"]?.cell ?? "0"],
                        ["Active collections", o["active_collections"]?.cell ?? "0"],
                    ]
                    return TableFormatter.render(headers: ["METRIC", "VALUE"], rows: rows)
                }
            }
        }
    }

    struct Volume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Events received per source over time, with a chart of the totals.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "hour (default) or day.") var granularity: String?
        @Option(help: "Only this source.") var source: String?
        @Option(help: "Start (ISO 8601); default 24 hours, or 30 days by the day, before the end.") var after: String?
        @Option(help: "End (ISO 8601), exclusive; default now.") var before: String?

        func run() async throws {
            try await runClient {
                let result = try await global.client().get(
                    "/v1/metrics/volume", query: [("granularity", granularity), ("source_id", source), ("after", after), ("before", before)])
                global.output(result) { MetricsCommand.renderVolume(result) }
            }
        }
    }

    /// The table of every point, then the chart of each bucket's total across sources.
    static func renderVolume(_ result: JSON) -> String {
        let series = result["series"]?.arrayValue ?? []
        guard !series.isEmpty else { return "No events in this range." }
        let day = result["granularity"] == "day"
        func label(_ bucket: String) -> String {
            // "2026-03-01T05:00:00.000Z" → "2026-03-01 05:00" by the hour, "2026-03-01" by the day.
            day ? String(bucket.prefix(10)) : String(bucket.prefix(10)) + " " + String(bucket.dropFirst(11).prefix(5))
        }
        let rows = series.map { p in
            [label(p["bucket"]?.stringValue ?? ""), p["source_name"]?.stringValue ?? p["source_id"]?.cell ?? "-", p["event_count"]?.cell ?? "0"]
        }
        // Totals per bucket, quiet buckets between the first and the last included as zero: a
        // drop in volume is what the chart is for.
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var totals: [Int64: Double] = [:]
        for p in series {
            guard let text = p["bucket"]?.stringValue, let date = parser.date(from: text) else { continue }
            totals[Int64(date.timeIntervalSince1970), default: 0] += p["event_count"]?.numberValue ?? 0
        }
        let step: Int64 = day ? 86_400 : 3_600
        var points: [(label: String, value: Double)] = []
        if let first = totals.keys.min(), let last = totals.keys.max(), (last - first) / step < 2_000 {
            for t in stride(from: first, through: last, by: Int(step)) {
                points.append((label(parser.string(from: Date(timeIntervalSince1970: Double(t)))), totals[t] ?? 0))
            }
        }
        return TableFormatter.render(headers: [day ? "DAY" : "HOUR", "SOURCE", "EVENTS"], rows: rows) + "\n\n" + TextChart.bars(points)
    }
}
