import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Synchronization
import Testing

/// Three `serve` processes on one PostgreSQL database, ingest spread over them, a receiver that
/// is slow and sometimes fails, and one node killed with SIGKILL mid-run and started again:
/// every acknowledged event is delivered, no delivery is ever in flight twice at once (the
/// receiver watches for it), and the duplicates at-least-once allows are counted.
@Suite struct MultiNodeDeliveryTests {
    @Test func threeNodesShareDeliveryAndAKilledNodesWorkMovesOnWithinTheLease() async throws {
        let uri = try await TestPostgres.createDatabase("multinode")
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "5a", count: 32)
        let directories = (0..<3).map { _ in TemporaryDirectory.make(prefix: "hookstream-multinode") }
        func start(_ n: Int) async throws -> ServerProcess {
            try await ServerProcess.start(
                dataDirectory: directories[n],
                arguments: [
                    "--database-url", uri.text, "--database-pool-size", "4", "--master-key", masterKey, "--bootstrap-key", key,
                    "--api-rate-limit", "0", "--public-rate-limit", "0", "--delivery-lease-seconds", "10",
                    // One request in eight fails: five in a row somewhere in 3,000 happens in
                    // about one run in ten, and an open circuit (a minute's cooldown, then the
                    // backlog in order) is not what this test is about.
                    "--circuit-failure-threshold", "50",
                ])
        }
        var nodes = [try await start(0), try await start(1), try await start(2)]
        defer { for node in nodes { node.kill() } }

        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        // Slow (40 ms) and failing one request in eight; failures are retried 200 ms later.
        receiver.setDefault(.computed { _ in Int.random(in: 0..<8) == 0 ? .status(503) : .stall(seconds: 0.04) })
        let admin = TestHTTPClient(baseURL: nodes[0].baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "Spread"]).json["id"]?.stringValue)
        let destination = try #require(
            try await admin.post(
                "/v1/destinations",
                ["name": "Slow", "url": .string(receiver.url), "retry_max_attempts": 10, "retry_backoff_type": "fixed", "retry_intervals": [0.2]]
            ).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)]).status == 201)

        // 3,000 events, round-robin over the nodes, 8 at a time; node 1 is killed a third of the
        // way in (what it acknowledged must still be delivered) and started again later.
        let total = 3_000
        let accepted = Mutex<[String]>([])
        // What the nodes that stay up answered: every request a 200 (two nodes' batches meeting
        // on the same rows must not fail a request).
        let refusals = Mutex<[Int]>([])
        let killed = Mutex(false)
        let urls = nodes.map(\.baseURL)
        let victim = nodes[1]
        _ = try await concurrently(Array(0..<total), width: 8) { n in
            let node = n % 3
            if node == 1 && killed.withLock({ $0 }) { return }
            let response = try? await TestHTTPClient(baseURL: urls[node]).request(
                "POST", "/v1/ingest/\(source)", body: Array(#"{"n":\#(n)}"#.utf8), headers: [("Content-Type", "application/json")])
            if let response, response.status == 200, let id = response.json["event_id"]?.stringValue {
                accepted.withLock { $0.append(id) }
            } else if node != 1 {
                refusals.withLock { $0.append(response?.status ?? 0) }
            }
            if n == total / 3 {
                victim.kill(signal: SIGKILL)
                killed.withLock { $0 = true }
            }
        }
        nodes[1] = try await start(1)

        let acknowledged = Set(accepted.withLock { $0 })
        #expect(refusals.withLock { $0 }.isEmpty, "answers other than 200 from the nodes that stayed up: \(refusals.withLock { $0 })")
        #expect(acknowledged.count >= total * 2 / 3 - 10)
        // Every acknowledged event reaches the receiver with a 2xx at least once.
        let deadline = ContinuousClock.now + .seconds(120)
        var delivered: Set<String> = []
        while ContinuousClock.now < deadline {
            delivered = Set(try await Self.deliveredEvents(admin, destination))
            if acknowledged.isSubset(of: delivered) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(acknowledged.subtracting(delivered).isEmpty, "\(acknowledged.subtracting(delivered).count) acknowledged events not delivered")
        #expect(receiver.overlapping.isEmpty, "in flight twice at once: \(receiver.overlapping.prefix(5))")
        let requests = receiver.requests.compactMap { $0.headers["x-hookstream-event-id"] }
        let perEvent = Dictionary(grouping: requests, by: { $0 }).mapValues(\.count)
        print("multi-node delivery: \(acknowledged.count) acknowledged, \(requests.count) requests, \(perEvent.values.filter { $0 > 1 }.count) events sent more than once (retries of 503s included)")
    }

    /// The IDs of events whose delivery to `destination` succeeded, from the attempts API.
    static func deliveredEvents(_ api: TestHTTPClient, _ destination: String) async throws -> [String] {
        var ids: [String] = []
        var offset = 0
        while true {
            let page = try await api.get("/v1/delivery-attempts?destination_id=\(destination)&status=success&limit=100&offset=\(offset)")
            let items = page.json["delivery_attempts"]?.arrayValue ?? []
            ids += items.compactMap { $0["event_id"]?.stringValue }
            guard items.count == 100 else { return ids }
            offset += 100
        }
    }
}

/// What holds per destination holds for the nodes together: its `max_concurrency` counts every
/// node's requests, and its circuit, once open, lets one probe at a time through from all of
/// them.
@Suite struct SharedDestinationLimitsTests {
    @Test func theConcurrencyLimitAndTheCircuitHoldAcrossNodes() async throws {
        let uri = try await TestPostgres.createDatabase("limits")
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "7b", count: 32)
        let flags = ["--database-pool-size", "4", "--public-rate-limit", "0", "--circuit-failure-threshold", "3", "--circuit-cooldown-seconds", "2"]
        let nodes = [
            try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey, flags),
            try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey, flags),
        ]
        defer { for node in nodes { node.kill() } }
        let admin = TestHTTPClient(baseURL: nodes[0].baseURL, apiKey: key)
        func created(_ path: String, _ body: JSON) async throws -> String {
            let response = try await admin.post(path, body)
            return try #require(response.json["id"]?.stringValue, "\(path): \(response.text)")
        }
        func send(_ source: String, _ count: Int) async throws {
            for n in 0..<count {
                let sent = try await TestHTTPClient(baseURL: nodes[n % 2].baseURL).post("/v1/ingest/\(source)", ["n": .number(Double(n))])
                #expect(sent.status == 200, "\(sent.text)")
            }
        }

        // Two at a time, whichever node sends: 12 slow requests never overlap three deep.
        let limited = try await TestReceiver.start()
        defer { limited.stop() }
        limited.setDefault(.slow(seconds: 0.3, status: 200))
        let source = try await created("/v1/sources", ["name": "Limited"])
        let destination = try await created("/v1/destinations", ["name": "Two at a time", "url": .string(limited.url), "max_concurrency": 2])
        _ = try await created("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        try await send(source, 12)
        _ = try await limited.waitFor(count: 12)
        #expect(limited.mostAtOnce == 2)

        // A receiver that always fails, slowly: the circuit opens, and from then on one probe
        // at a time goes out from the two nodes together, one per cooldown.
        let down = try await TestReceiver.start()
        defer { down.stop() }
        down.setDefault(.slow(seconds: 1, status: 500))
        let failing = try await created("/v1/sources", ["name": "Failing"])
        let broken = try await created(
            "/v1/destinations",
            ["name": "Down", "url": .string(down.url), "retry_max_attempts": 10, "retry_backoff_type": "fixed", "retry_intervals": [0.2]])
        _ = try await created("/v1/connections", ["source_id": .string(failing), "destination_id": .string(broken)])
        try await send(failing, 8)
        try await admin.eventually("/v1/destinations/\(broken)/circuit") { $0["state"] == "open" }
        // Attempts started before it opened finish within their second.
        try await Task.sleep(for: .milliseconds(1_500))
        down.resetMostAtOnce()
        let before = down.requests.count
        try await Task.sleep(for: .seconds(9))
        #expect(down.mostAtOnce <= 1, "probes from both nodes at once")
        let probes = down.requests.count - before
        #expect((1...4).contains(probes), "\(probes) probes in 9 s of 2 s cooldowns after 1 s failures")
    }

    /// A paused destination's backlog, ingested through both nodes, reaches the receiver in
    /// ingest order once resumed, although both nodes deliver it: each node claims it 8 at a
    /// time (`--delivery-concurrency 8`), and it takes longer than the 5 s after which the
    /// second node sees the resume and starts claiming batches too.
    @Test func theBacklogOfAResumedDestinationArrivesInOrderFromBothNodes() async throws {
        let uri = try await TestPostgres.createDatabase("order")
        let key = APIKey.generate(.live)
        let masterKey = String(repeating: "7c", count: 32)
        let flags = ["--delivery-concurrency", "8", "--public-rate-limit", "0"]
        let nodes = [
            try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey, flags),
            try await SharedDatabaseTests.node(uri, key: key, masterKey: masterKey, flags),
        ]
        defer { for node in nodes { node.kill() } }
        let admin = TestHTTPClient(baseURL: nodes[0].baseURL, apiKey: key)
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(seconds: 0.08, status: 200))
        let source = try #require(try await admin.post("/v1/sources", ["name": "Orders"]).json["id"]?.stringValue)
        let destination = try #require(try await admin.post("/v1/destinations", ["name": "Ordered", "url": .string(receiver.url)]).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)]).status == 201)
        #expect(try await admin.patch("/v1/destinations/\(destination)", ["enabled": false]).json["status"] == "paused")
        // Both nodes learn of the pause (a node re-reads a destination every 5 s).
        try await Task.sleep(for: .seconds(6))
        let total = 100
        for n in 0..<total {
            let sent = try await TestHTTPClient(baseURL: nodes[n % 2].baseURL).post("/v1/ingest/\(source)", ["n": .number(Double(n))])
            #expect(sent.status == 200, "\(sent.text)")
        }
        try await Task.sleep(for: .seconds(6))
        #expect(receiver.requests.isEmpty, "held while paused")
        #expect(try await admin.patch("/v1/destinations/\(destination)", ["enabled": true]).json["status"] == "active")
        let received = try await receiver.waitFor(count: total).prefix(total).map { try JSON(parsing: $0.text)["n"]?.numberValue ?? -1 }
        #expect(received == (0..<total).map(Double.init), "arrival order")
        #expect(receiver.mostAtOnce == 1)
    }
}
