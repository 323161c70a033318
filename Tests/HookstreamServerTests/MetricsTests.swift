import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// `/v1/metrics/*` over real ingest and real deliveries: every figure is checked against the
/// raw rows the events and delivery-attempts APIs list.
@Suite struct MetricsTests {
    struct Raw {
        var events: [JSON]
        var attempts: [JSON]
    }

    func create(_ client: TestHTTPClient, _ path: String, _ body: JSON) async throws -> String {
        let r = try await client.post(path, body)
        return try #require(r.json["id"]?.stringValue, "\(r.text)")
    }

    func all(_ client: TestHTTPClient, _ path: String, key: String) async throws -> [JSON] {
        var items: [JSON] = []
        var offset = 0
        while true {
            let page = try await client.get("\(path)?limit=100&offset=\(offset)").json
            let batch = page[key]?.arrayValue ?? []
            items += batch
            offset += batch.count
            if batch.count < 100 { return items }
        }
    }

    func number(_ j: JSON?) -> Double? { j?.numberValue }

    @Test func seriesAndOverviewMatchTheRawRowsAcrossARestart() async throws {
        let key = APIKey.generate(.live)
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-metrics")
        var server = try await TestServer.start {
            $0.dataDirectory = dataDirectory
            $0.bootstrapKey = key
        }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let c = server.client
        let shop = try await create(c, "/v1/sources", ["name": "Shop"])
        let billing = try await create(c, "/v1/sources", ["name": "Billing"])
        let fast = try await create(c, "/v1/destinations", ["name": "Fast", "url": .string(receiver.url + "/fast"), "retry_max_attempts": 1])
        let slow = try await create(c, "/v1/destinations", ["name": "Slow", "url": .string(receiver.url + "/slow"), "retry_max_attempts": 1])
        _ = try await create(c, "/v1/connections", ["source_id": .string(shop), "destination_id": .string(fast)])
        _ = try await create(c, "/v1/connections", ["source_id": .string(billing), "destination_id": .string(slow)])
        // Some failures and some slow answers, so counts and percentiles have something to show.
        receiver.reply((0..<40).map { i in i % 5 == 0 ? .status(500) : i % 7 == 0 ? .stall(seconds: 0.12) : .status(200) })

        for i in 0..<25 { _ = try await server.anonymous.post("/v1/ingest/\(shop)", ["n": .number(Double(i))]) }
        for i in 0..<15 { _ = try await server.anonymous.post("/v1/ingest/\(billing)", ["n": .number(Double(i))]) }
        _ = try await receiver.waitFor(count: 40)
        let raw = try await settled(c, events: 40, attempts: 40)

        try await check(c, raw, sources: [shop: "Shop", billing: "Billing"], destinations: [fast: "Fast", slow: "Slow"])
        // Rollups live in the database: a restarted server answers the same.
        await server.stopAndWait()
        server = try await TestServer.start {
            $0.dataDirectory = dataDirectory
            $0.bootstrapKey = key
        }
        defer { server.stop() }
        try await check(server.client, raw, sources: [shop: "Shop", billing: "Billing"], destinations: [fast: "Fast", slow: "Slow"])

        // Another tenant sees none of it.
        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/metrics/volume").json["series"] == [])
        #expect(try await other.get("/v1/metrics/overview").json["events_today"] == 0)
    }

    /// Waits until every attempt has finished, then reads the raw rows.
    func settled(_ c: TestHTTPClient, events: Int, attempts: Int) async throws -> Raw {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let listed = try await all(c, "/v1/delivery-attempts", key: "delivery_attempts")
            if listed.count == attempts, listed.allSatisfy({ $0["status"] != "pending" }) {
                let events = try await c.get("/v1/events?limit=100").json["events"]?.arrayValue ?? []
                #expect(events.count == 40)
                return Raw(events: events, attempts: listed)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("attempts did not finish")
        return Raw(events: [], attempts: [])
    }

    func check(_ c: TestHTTPClient, _ raw: Raw, sources: [String: String], destinations: [String: String]) async throws {
        // Volume: per source and hour, from the events' received_at.
        let volume = try await c.get("/v1/metrics/volume").json
        #expect(volume["granularity"] == "hour")
        var expectedVolume: [String: Double] = [:]
        for e in raw.events {
            let text = try #require(e["received_at"]?.stringValue)
            let at = Timestamp.millis(try #require(Timestamp.parse(text)))
            expectedVolume["\(Timestamp.iso(millis: at / 3_600_000 * 3_600_000)) \(e["source_id"]!.stringValue!)", default: 0] += 1
        }
        var gotVolume: [String: Double] = [:]
        for p in volume["series"]?.arrayValue ?? [] {
            gotVolume["\(p["bucket"]!.stringValue!) \(p["source_id"]!.stringValue!)"] = number(p["event_count"])
            #expect(p["source_name"]?.stringValue == sources[p["source_id"]!.stringValue!])
        }
        #expect(gotVolume == expectedVolume)
        let shopOnly = try await c.get("/v1/metrics/volume?source_id=\(sources.keys.sorted()[0])&granularity=day").json
        #expect(shopOnly["granularity"] == "day")
        #expect(shopOnly["series"]?.arrayValue?.reduce(0) { $0 + (number($1["event_count"]) ?? 0) }
            == Double(raw.events.filter { $0["source_id"]?.stringValue == sources.keys.sorted()[0] }.count))

        // Deliveries and latency: per destination, from the attempts.
        let deliveries = try await c.get("/v1/metrics/deliveries?granularity=day").json["series"]?.arrayValue ?? []
        let latency = try await c.get("/v1/metrics/latency?granularity=day").json["series"]?.arrayValue ?? []
        #expect(Set(deliveries.compactMap { $0["destination_id"]?.stringValue }) == Set(destinations.keys))
        for (id, name) in destinations {
            let rows = raw.attempts.filter { $0["destination_id"]?.stringValue == id }
            let latencies = rows.compactMap { $0["latency_ms"]?.numberValue }.map { Int64($0) }
            let d = try #require(deliveries.first { $0["destination_id"]?.stringValue == id })
            #expect(d["destination_name"]?.stringValue == name)
            #expect(number(d["delivery_count"]) == Double(rows.count))
            #expect(number(d["success_count"]) == Double(rows.filter { $0["status"] == "success" }.count))
            #expect(number(d["failed_count"]) == Double(rows.filter { $0["status"] == "failed" }.count))
            #expect(number(d["avg_latency_ms"]) == (Double(latencies.reduce(0, +)) / Double(latencies.count)).rounded())
            let l = try #require(latency.first { $0["destination_id"]?.stringValue == id })
            for (field, p) in [("p50_latency_ms", 50.0), ("p95_latency_ms", 95), ("p99_latency_ms", 99)] {
                let exact = Double(try #require(LatencyHistogram.exactPercentile(p, of: latencies)))
                let got = try #require(number(l[field]))
                #expect(abs(got - exact) <= exact * 0.01, "\(name) \(field): \(got) vs exact \(exact)")
            }
        }
        // Range parameters: `start`/`end` are aliases; a range before the traffic is empty.
        let future = Timestamp.iso(millis: Timestamp.millis(Date()) + 3_600_000)
        let past = Timestamp.iso(millis: Timestamp.millis(Date()) - 10 * 86_400_000)
        let aliased = try await c.get("/v1/metrics/deliveries?start=\(past)&end=\(future)&granularity=day").json
        #expect(aliased["series"]?.arrayValue?.count == deliveries.count)
        #expect(try await c.get("/v1/metrics/volume?after=2020-01-01T00:00:00Z&before=2020-01-02T00:00:00Z").json["series"] == [])

        let overview = try await c.get("/v1/metrics/overview").json
        let successes = Double(raw.attempts.filter { $0["status"] == "success" }.count)
        #expect(overview["events_today"] == .number(Double(raw.events.count)) || Self.crossedMidnight(raw))
        #expect(overview["events_this_week"] == .number(Double(raw.events.count)))
        #expect(overview["active_sources"] == 2)
        #expect(overview["active_destinations"] == 2)
        #expect(overview["active_collections"] == 0)
        #expect(overview["dlq_count"] == .number(Double(raw.attempts.filter { $0["is_dlq"] == 1 }.count)))
        if !Self.crossedMidnight(raw) {
            #expect(overview["deliveries_today"] == .number(Double(raw.attempts.count)))
            #expect(overview["success_today"] == .number(successes))
            #expect(overview["success_rate_today"] == .number((successes / Double(raw.attempts.count) * 10_000).rounded() / 100))
        }
    }

    /// A run straddling UTC midnight splits "today"; the figures are then checked per bucket only.
    static func crossedMidnight(_ raw: Raw) -> Bool {
        Timestamp.millis(Date()) % 86_400_000 < 120_000
    }

    @Test func badParametersAre400WithTheStandardBody() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        for query in [
            "/v1/metrics/volume?granularity=week", "/v1/metrics/volume?after=yesterday",
            "/v1/metrics/volume?after=2026-03-02T00:00:00Z&before=2026-03-01T00:00:00Z",
            "/v1/metrics/deliveries?after=2026-03-01T00:00:00Z&start=2026-03-01T00:00:00Z",
            "/v1/metrics/latency?source_id=src_1", "/v1/metrics/volume?sourceid=src_1",
            "/v1/metrics/volume?after=2025-01-01T00:00:00Z&before=2026-01-01T00:00:00Z",
        ] {
            let r = try await server.client.get(query)
            #expect(r.status == 400, "\(query)")
            #expect(r.json["status"] == 400 && r.json["error"]?.stringValue != nil && r.json["request_id"]?.stringValue != nil, "\(r.text)")
        }
        // A year by the day is fine; without credentials it is a 401.
        #expect(try await server.client.get("/v1/metrics/volume?after=2025-01-01T00:00:00Z&before=2026-01-01T00:00:00Z&granularity=day").status == 200)
        #expect(try await server.anonymous.get("/v1/metrics/overview").status == 401)
        let empty = try await server.client.get("/v1/metrics/overview").json
        #expect(empty["success_rate_today"] == .null && empty["events_today"] == 0)
    }
}

/// `hookstream metrics overview|volume` against a running server.
@Suite struct MetricsCLITests {
    @Test func overviewAndVolumeAsTablesChartAndJSON() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Storefront"]).json["id"]?.stringValue)
        for i in 0..<3 { _ = try await server.anonymous.post("/v1/ingest/\(source)", ["n": .number(Double(i))]) }

        let volume = try await CLIRun.run(["metrics", "volume", "--granularity", "hour", "--source", source], environment: env)
        #expect(volume.status == 0, "\(volume.stderr)")
        #expect(volume.stdout.contains("HOUR") && volume.stdout.contains("Storefront"), "\(volume.stdout)")
        // The busiest hour fills the chart's width. (The three events may straddle an hour.)
        #expect(volume.stdout.contains("│" + String(repeating: "█", count: 40) + " "), "\(volume.stdout)")
        let json = try JSON(parsing: try await CLIRun.run(["--json", "metrics", "volume", "--granularity", "day"], environment: env).stdout)
        let counted = (json["series"]?.arrayValue ?? []).compactMap { $0["event_count"]?.numberValue }.reduce(0, +)
        #expect(json["granularity"] == "day" && counted == 3, "\(json)")

        let overview = try await CLIRun.run(["metrics", "overview"], environment: env)
        #expect(overview.stdout.contains("Events today") && overview.stdout.contains("Active sources"), "\(overview.stdout)")
        let overviewJSON = try JSON(parsing: try await CLIRun.run(["metrics", "overview", "--json"], environment: env).stdout)
        #expect(overviewJSON["events_today"] == 3 || Timestamp.millis(Date()) % 86_400_000 < 60_000)
        let bad = try await CLIRun.run(["metrics", "volume", "--granularity", "week"], environment: env)
        #expect(bad.status == 1 && bad.stderr.contains("granularity"), "\(bad.stderr)")
    }
}
