import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// A paused source answers 2xx and stores every request but routes nothing; on resume its held
/// events are routed in arrival order. Each "nothing arrived" is checked after a positive
/// barrier: an event of a second, active source routed to the same receiver has arrived.
@Suite struct PausedSourcesTests {
    struct Setup {
        let paused: String
        let active: String
        let destination: String
    }

    /// Two sources routed to one destination (one delivery at a time, so arrival order is
    /// delivery order); the first one paused.
    func setUp(_ api: TestHTTPClient, receiver: TestReceiver) async throws -> Setup {
        let destination = try #require(
            try await api.post("/v1/destinations", ["name": "Receiver", "url": .string(receiver.url), "max_concurrency": 1]).json["id"]?.stringValue)
        var sources: [String] = []
        for name in ["Held", "Barrier"] {
            let source = try #require(try await api.post("/v1/sources", ["name": .string(name)]).json["id"]?.stringValue)
            let connection = try await api.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
            #expect(connection.status == 201, "\(connection.text)")
            sources.append(source)
        }
        let paused = try await api.patch("/v1/sources/\(sources[0])", ["status": "paused"])
        #expect(paused.status == 200)
        #expect(paused.json["status"] == "paused")
        return Setup(paused: sources[0], active: sources[1], destination: destination)
    }

    /// One data directory and admin key that the real executable is started on, killed and
    /// started on again.
    struct Node {
        let dataDirectory: String
        let key = APIKey.generate(.live)

        init(prefix: String) { dataDirectory = TemporaryDirectory.make(prefix: prefix) }

        func start() async throws -> ServerProcess {
            try await ServerProcess.start(
                dataDirectory: dataDirectory, arguments: ["--bootstrap-key", key, "--public-rate-limit", "0", "--api-rate-limit", "0"])
        }

        func admin(_ process: ServerProcess) -> TestHTTPClient { TestHTTPClient(baseURL: process.baseURL, apiKey: key) }
    }

    func ingest(_ baseURL: String, _ source: String, _ body: JSON) async throws -> String {
        let response = try await TestHTTPClient(baseURL: baseURL).post("/v1/ingest/\(source)", body)
        #expect(response.status == 200, "\(response.text)")
        return try #require(response.json["event_id"]?.stringValue, "\(response.text)")
    }

    /// Ingests one event into the active source and waits for it at the receiver: everything
    /// routed before it has had its chance to arrive.
    func barrier(_ baseURL: String, _ setup: Setup, receiver: TestReceiver, tag: String) async throws {
        _ = try await ingest(baseURL, setup.active, ["barrier": .string(tag)])
        let deadline = ContinuousClock.now + .seconds(20)
        while !receiver.requests.contains(where: { Self.field($0, "barrier") == .string(tag) }) {
            guard ContinuousClock.now < deadline else { throw TestServerError("barrier \(tag) never arrived") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func field(_ request: TestReceiver.Received, _ name: String) -> JSON? {
        (try? JSON(parsing: request.body))?[name]
    }

    /// The `n` of every held-source event the receiver got, in arrival order.
    static func heldNumbers(_ receiver: TestReceiver) -> [JSON] {
        receiver.requests.compactMap { field($0, "n") }
    }

    @Test func pausedSourceHoldsEverythingThenReleasesInArrivalOrder() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let setup = try await setUp(server.client, receiver: receiver)
        let count = 12
        var ids: [String] = []
        for n in 1...count { ids.append(try await ingest(server.baseURL, setup.paused, ["n": .number(Double(n))])) }

        let detail = try await server.client.get("/v1/events/\(ids[0])").json
        #expect(detail["status"] == "held")
        #expect(detail["delivery_attempts"] == [])
        #expect(try await server.client.get("/v1/events?status=held").json["pagination"]?["total"] == .number(Double(count)))
        #expect(try await server.client.get("/v1/sources/\(setup.paused)").json["event_count"] == .number(Double(count)))
        // A held event is routed in its turn, not ahead of the others.
        #expect(try await server.client.post("/v1/events/\(ids[3])/retry", [:]).status == 409)

        try await barrier(server.baseURL, setup, receiver: receiver, tag: "before-resume")
        #expect(Self.heldNumbers(receiver) == [], "a paused source routed an event")

        let resumed = try await server.client.patch("/v1/sources/\(setup.paused)", ["status": "active"])
        #expect(resumed.json["status"] == "active")
        _ = try await receiver.waitFor(count: count + 1)
        #expect(Self.heldNumbers(receiver) == (1...count).map { JSON.number(Double($0)) })
        #expect(try await server.client.get("/v1/events?status=held").json["pagination"]?["total"] == 0)

        // Active again: the next event is routed at once.
        _ = try await ingest(server.baseURL, setup.paused, ["n": .number(Double(count + 1))])
        _ = try await receiver.waitFor(count: count + 2)
        #expect(Self.heldNumbers(receiver).last == .number(Double(count + 1)))
    }

    /// A source resumed where this node's releaser is not told (another node sharing the
    /// database, whose release ended just before this node held a new event): the periodic
    /// sweep releases what it still holds, in arrival order.
    @Test func heldEventsOfASourceResumedElsewhereAreReleasedByTheSweep() async throws {
        let server = try await TestServer.start { $0.heldEventSweepSeconds = 0.5 }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let setup = try await setUp(server.client, receiver: receiver)
        for n in 1...3 { _ = try await ingest(server.baseURL, setup.paused, ["n": .number(Double(n))]) }

        // The source made active through a second store on the same database, as another
        // node's API would: this server's releaser gets no resume.
        let other = try await TestStore.open(dataDirectory: server.dataDirectory)
        var source = try #require(try await other.source(id: setup.paused))
        source.status = .active
        try await other.updateSource(source)
        await other.close()

        _ = try await receiver.waitFor(count: 3)
        #expect(Self.heldNumbers(receiver) == [1, 2, 3].map { JSON.number(Double($0)) })
        #expect(try await server.client.get("/v1/events?status=held").json["pagination"]?["total"] == 0)
    }

    @Test func eventsStayHeldAcrossARestartAndAreReleasedAfterIt() async throws {
        let node = Node(prefix: "hookstream-paused")
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }

        let first = try await node.start()
        let setup = try await setUp(node.admin(first), receiver: receiver)
        let count = 5
        for n in 1...count { _ = try await ingest(first.baseURL, setup.paused, ["n": .number(Double(n))]) }
        first.kill()
        _ = await first.waitForExit()

        let second = try await node.start()
        defer { second.kill() }
        let api = node.admin(second)
        #expect(try await api.get("/v1/sources/\(setup.paused)").json["status"] == "paused")
        #expect(try await api.get("/v1/events?status=held").json["pagination"]?["total"] == .number(Double(count)))
        try await barrier(second.baseURL, setup, receiver: receiver, tag: "after-restart")
        #expect(Self.heldNumbers(receiver) == [], "a restart released a paused source's events")

        #expect(try await api.patch("/v1/sources/\(setup.paused)", ["status": "active"]).status == 200)
        _ = try await receiver.waitFor(count: count + 1)
        #expect(Self.heldNumbers(receiver) == (1...count).map { JSON.number(Double($0)) })
    }

    /// SIGKILL right after the resume is acknowledged, while the release is under way: after
    /// the restart every held event is delivered, first deliveries in arrival order, and no
    /// event was routed twice (one attempt row each; the receiver always answers 200).
    @Test func aResumeInterruptedByACrashFinishesAfterTheRestartWithoutDoubleRouting() async throws {
        let node = Node(prefix: "hookstream-resume-crash")
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }

        let first = try await node.start()
        let setup = try await setUp(node.admin(first), receiver: receiver)
        let count = 350
        for n in 1...count { _ = try await ingest(first.baseURL, setup.paused, ["n": .number(Double(n))]) }
        #expect(try await node.admin(first).patch("/v1/sources/\(setup.paused)", ["status": "active"]).status == 200)
        first.kill()
        _ = await first.waitForExit()
        let beforeKill = receiver.requests.count

        let second = try await node.start()
        defer { second.kill() }
        let api = node.admin(second)
        let deadline = ContinuousClock.now + .seconds(60)
        while Set(Self.heldNumbers(receiver)).count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        var firstSeen: [Int] = []
        for case .number(let n) in Self.heldNumbers(receiver) where !firstSeen.contains(Int(n)) { firstSeen.append(Int(n)) }
        #expect(firstSeen == Array(1...count), "first deliveries out of arrival order or missing")
        #expect(try await api.get("/v1/events?status=held").json["pagination"]?["total"] == 0)
        let attempts = try await api.get("/v1/delivery-attempts?destination_id=\(setup.destination)&limit=1").json
        #expect(attempts["pagination"]?["total"] == .number(Double(count)), "an event was routed twice: \(attempts["pagination"] ?? .null)")
        print("resume crash drill: \(beforeKill) of \(count) delivered before the kill, \(receiver.requests.count) requests in all")
    }

    @Test func duplicatesOfAPausedSourceAreAnsweredWithTheHeldOriginal() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try #require(
            try await server.client.post("/v1/sources", ["name": "Dedup", "status": "paused", "dedup_strategy": "payload_hash"]).json["id"]?.stringValue)
        let original = try await ingest(server.baseURL, source, ["id": "same"])
        let again = try await TestHTTPClient(baseURL: server.baseURL).post("/v1/ingest/\(source)", ["id": "same"])
        #expect(again.json["event_id"] == .string(original))
        #expect(again.json["duplicate"] == true)
        // Only the original waits for the resume; the duplicate is never routed.
        #expect(try await server.client.get("/v1/events?status=held").json["pagination"]?["total"] == 1)
    }
}
