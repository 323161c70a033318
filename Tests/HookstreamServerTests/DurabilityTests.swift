import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Synchronization
import Testing

/// The real server process killed with SIGKILL or stopped with SIGTERM while ingest requests
/// are in flight: every acknowledged event must be there afterwards.
@Suite(.serialized) struct DurabilityTests {
    /// An event whose 200 arrived, with the body that was sent.
    struct Acknowledged: Sendable {
        var id: String
        var body: JSON
        /// Over the 10 KB inline limit: kept in the blob store, not in the row.
        var large: Bool
    }

    /// Sends ingest requests from `clients` concurrent loops until `stop` is set, recording
    /// the events whose 200 arrived. Every tenth body is large (20 KB).
    func load(_ baseURL: String, source: String, clients: Int, until stop: StopFlag) async -> [Acknowledged] {
        let client = TestHTTPClient(baseURL: baseURL)
        return await withTaskGroup(of: [Acknowledged].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var acknowledged: [Acknowledged] = []
                    var n = 0
                    while !stop.isSet {
                        n += 1
                        let large = n % 10 == 0
                        let body: JSON = ["client": .number(Double(c)), "n": .number(Double(n)), "pad": .string(String(repeating: "x", count: large ? 20_000 : 200))]
                        guard let response = try? await client.request("POST", "/v1/ingest/\(source)", json: body, timeout: .seconds(5)) else { continue }
                        if response.status == 200, let id = response.json["event_id"]?.stringValue {
                            acknowledged.append(Acknowledged(id: id, body: body, large: large))
                        }
                    }
                    return acknowledged
                }
            }
            var all: [Acknowledged] = []
            for await batch in group { all += batch }
            return all
        }
    }

    func storedEventIDs(_ client: TestHTTPClient, status: String? = nil) async throws -> Set<String> {
        var ids = Set<String>()
        var cursor: String?
        repeat {
            let page = try await client.get("/v1/events?limit=100" + (status.map { "&status=\($0)" } ?? "") + (cursor.map { "&cursor=\($0)" } ?? "")).json
            for event in page["events"]?.arrayValue ?? [] { if let id = event["id"]?.stringValue { ids.insert(id) } }
            cursor = page["pagination"]?["next_cursor"]?.stringValue
        } while cursor != nil
        return ids
    }

    @Test func sigkillLosesNoAcknowledgedEvent() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-crash")
        let key = APIKey.generate(.live)
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--public-rate-limit", "0", "--api-rate-limit", "0"])
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "crash"]).json["id"]?.stringValue)

        let stop = StopFlag()
        async let acknowledged = load(first.baseURL, source: source, clients: 16, until: stop)
        // Let a few hundred requests through, then kill the server mid-flight.
        var stored = 0
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(50))
            stored = (try? await admin.get("/v1/events?limit=1").json["pagination"]?["total"]?.numberValue).flatMap { $0.map(Int.init) } ?? stored
            if stored >= 300 { break }
        }
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        stop.set()
        let acknowledgedEvents = await acknowledged
        let acked = acknowledgedEvents.map(\.id)
        #expect(acked.count >= 300)

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { second.kill(signal: SIGKILL) }
        let present = try await storedEventIDs(TestHTTPClient(baseURL: second.baseURL, apiKey: key))
        let lost = Set(acked).subtracting(present)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events lost of \(acked.count)")
        // Every acknowledged large body (a blob file written before its row) reads back whole.
        let large = acknowledgedEvents.filter(\.large)
        #expect(large.count >= 10, "only \(large.count) large bodies were acknowledged before the kill")
        let reader = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        for event in large {
            let stored = try await reader.get("/v1/events/\(event.id)")
            #expect(stored.status == 200)
            #expect(stored.json["body_size"] == .number(Double(event.body.serializedBytes().count)))
            #expect(stored.json["body"] == event.body, "large body of \(event.id) did not read back intact")
        }
    }

    @Test func sigtermFinishesInFlightRequestsAndExitsCleanly() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-term")
        let key = APIKey.generate(.live)
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--public-rate-limit", "0"])
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "term"]).json["id"]?.stringValue)
        let stop = StopFlag()
        async let acknowledged = load(first.baseURL, source: source, clients: 8, until: stop)
        // SIGTERM once the load is under way: some requests stored, more in flight.
        for _ in 0..<400 {
            let page = try? await admin.get("/v1/events?limit=1").json
            if (page?["pagination"]?["total"]?.numberValue ?? 0) >= 50 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        first.kill(signal: SIGTERM)
        let status = await first.waitForExit()
        stop.set()
        let acked = await acknowledged.map(\.id)
        #expect(status == 0)
        #expect(!acked.isEmpty)

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { second.kill(signal: SIGKILL) }
        let present = try await storedEventIDs(TestHTTPClient(baseURL: second.baseURL, apiKey: key))
        #expect(Set(acked).subtracting(present).isEmpty)
    }

    /// Deliveries pending, scheduled for retry and in flight when the server is killed all
    /// reach the receiver after the restart.
    @Test func sigkillLosesNoRoutedDelivery() async throws {
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        // Every third answer fails, so some deliveries sit scheduled for retry; a few stall so
        // some are in flight at the kill.
        receiver.reply((0..<600).map { n in n % 3 == 0 ? .status(503) : n % 50 == 1 ? .stall(seconds: 0.5) : .status(200) })
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-delivery-crash")
        let key = APIKey.generate(.live)
        let arguments = ["--bootstrap-key", key, "--public-rate-limit", "0", "--api-rate-limit", "0", "--circuit-failure-threshold", "1000"]
        let first = try await ServerProcess.start(dataDirectory: dataDirectory, arguments: arguments)
        let admin = TestHTTPClient(baseURL: first.baseURL, apiKey: key)
        let source = try #require(try await admin.post("/v1/sources", ["name": "crash"]).json["id"]?.stringValue)
        let destination = try #require(
            try await admin.post(
                "/v1/destinations",
                ["name": "receiver", "url": .string(receiver.url), "retry_backoff_type": "fixed", "retry_intervals": [0.3], "retry_max_attempts": 10]
            ).json["id"]?.stringValue)
        #expect(try await admin.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)]).status == 201)

        let stop = StopFlag()
        async let acknowledged = load(first.baseURL, source: source, clients: 8, until: stop)
        let loadDeadline = ContinuousClock.now + .seconds(60)
        while receiver.requests.count < 150 && ContinuousClock.now < loadDeadline { try await Task.sleep(for: .milliseconds(20)) }
        first.kill(signal: SIGKILL)
        await first.waitForExit()
        stop.set()
        let acked = Set(await acknowledged.map(\.id))
        #expect(acked.count >= 100)

        let second = try await ServerProcess.start(dataDirectory: dataDirectory, port: first.port, arguments: arguments)
        defer { second.kill(signal: SIGKILL) }
        receiver.setDefault(.status(200))
        let client = TestHTTPClient(baseURL: second.baseURL, apiKey: key)
        let deadline = ContinuousClock.now + .seconds(60)
        var undelivered = acked
        while !undelivered.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            undelivered = acked.subtracting(try await storedEventIDs(client, status: "delivered"))
        }
        #expect(undelivered.isEmpty, "\(undelivered.count) of \(acked.count) acknowledged events not delivered after the restart")
        let seen = Set(receiver.requests.compactMap { $0.headers["x-hookstream-event-id"] })
        #expect(acked.subtracting(seen).isEmpty)
        let duplicates = receiver.requests.filter { $0.headers["x-hookstream-delivery-attempt"] == "1" }.count - seen.count
        print("delivery crash drill: \(acked.count) acknowledged, \(receiver.requests.count) requests, \(max(0, duplicates)) repeated first attempts")
    }

    @Test func firstStartPrintsTheAdminKeyOnce() async throws {
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-banner")
        let first = try await ServerProcess.start(dataDirectory: dataDirectory)
        let key = try #require(first.output.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("hs_live_") }.map(String.init))
        #expect(APIKey.isWellFormed(key))
        #expect(try await TestHTTPClient(baseURL: first.baseURL, apiKey: key).get("/v1/sources").status == 200)
        first.kill(signal: SIGTERM)
        await first.waitForExit()
        let second = try await ServerProcess.start(dataDirectory: dataDirectory)
        defer { second.kill(signal: SIGTERM) }
        #expect(!second.output.contains("hs_live_"))
        #expect(try await TestHTTPClient(baseURL: second.baseURL, apiKey: key).get("/v1/sources").status == 200)
    }
}

final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
