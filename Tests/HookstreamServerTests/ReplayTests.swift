import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Replay jobs end to end: real events, real receivers on loopback, the job's progress through
/// the API.
@Suite struct ReplayTests {
    struct Setup {
        let server: TestServer
        let source: String
        let destination: String
    }

    /// A source holding `count` events `{"n": i}` (no connections: nothing delivered them yet)
    /// and a destination at `url`.
    static func setup(_ server: TestServer, count: Int, url: String) async throws -> Setup {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        for n in 0..<count {
            #expect(try await server.anonymous.post("/v1/ingest/\(source)", ["n": .number(Double(n))]).status == 200)
        }
        let destination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Replay target", "url": .string(url)]).json["id"]?.stringValue)
        return Setup(server: server, source: source, destination: destination)
    }

    static func window(_ now: Date, _ extra: JSONObject) -> JSON {
        var body: JSONObject = [
            "from": .string(Timestamp.iso(millis: Timestamp.millis(now.addingTimeInterval(-3600)))),
            "to": .string(Timestamp.iso(millis: Timestamp.millis(now.addingTimeInterval(1)))),
        ]
        for (k, v) in extra { body[k] = v }
        return .object(body)
    }

    static func numbers(_ received: [TestReceiver.Received]) -> [Int] {
        received.compactMap { (try? JSON(parsing: $0.body))?["n"]?.numberValue.map { Int($0) } }
    }

    @Test func replaysTheWindowInOrderAtTheRateLimitAndHonoursCapAndSource() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let s = try await Self.setup(server, count: 30, url: receiver.url + "/replay")
        // Another source's events are outside a job that names the source.
        let other = try #require(try await server.client.post("/v1/sources", ["name": "Other"]).json["id"]?.stringValue)
        for n in 100..<103 { _ = try await server.anonymous.post("/v1/ingest/\(other)", ["n": .number(Double(n))]) }

        let before = Date()
        let created = try await server.client.post(
            "/v1/replay", Self.window(Date(), ["destination_id": .string(s.destination), "source_id": .string(s.source), "rate_limit": 20]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["job"]?["id"]?.stringValue)
        #expect(ResourceID.isWellFormed(id, .replay))
        #expect(created.json["job"]?["status"] == "running")
        #expect(created.json["job"]?["total"] == 30)

        let done = try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["status"] == "completed" }
        #expect(done["job"]?["processed"] == 30)
        #expect(done["job"]?["succeeded"] == 30)
        #expect(done["job"]?["failed"] == 0)
        #expect(done["job"]?["completed_at"]?.stringValue != nil)
        let received = receiver.requests
        #expect(Self.numbers(received) == Array(0..<30), "chronological order, each once")
        // A sanity check in real time; the exact pacing is checked on the injected clock
        // (pacingOnTheInjectedClockIsRateTimesElapsedPlusOne). Never faster than the limit,
        // whatever the load: the 30th event waits for the 29th 50 ms slot after the job began,
        // so it arrives at least 1.45 s after the request that created the job (less a
        // millisecond: slots are whole milliseconds). Slower only by load — the whole suite in
        // parallel on 2 cores measured 13/s, builds beside it less — so the lower bound only
        // rules out a pacing that is plainly wrong (one a second, say).
        let sinceCreate = received.last!.at.timeIntervalSince(before)
        #expect(sinceCreate >= 1.449, "30 events at 20/s arrived within \(sinceCreate) s of the job's creation")
        let rate = 29 / received.last!.at.timeIntervalSince(received.first!.at)
        #expect(rate >= 2, "measured \(rate) events/s for a limit of 20")

        // max_events caps the job: the oldest five.
        let capped = try await server.client.post(
            "/v1/replay", Self.window(Date(), ["destination_id": .string(s.destination), "source_id": .string(s.source), "rate_limit": 100, "max_events": 5]))
        let cappedID = try #require(capped.json["job"]?["id"]?.stringValue)
        #expect(capped.json["job"]?["total"] == 5)
        let cappedDone = try await server.client.eventually("/v1/replay/\(cappedID)") { $0["job"]?["status"] == "completed" }
        #expect(cappedDone["job"]?["processed"] == 5)
        #expect(Self.numbers(receiver.requests).suffix(5) == [0, 1, 2, 3, 4])
        #expect(receiver.requests.count == 35)

        let listed = try await server.client.get("/v1/replay").json
        #expect(listed["jobs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [cappedID, id])
    }

    /// The pacing, exact whatever the load: the runner paces on the injected clock, so this test
    /// moves time itself and counts what was sent each time the job has gone back to sleep. At
    /// 20/s a slot is 50 ms: after `k` slots exactly `k + 1` events have gone (the first at
    /// once) — rate × elapsed + a burst of one — and the job sleeps until the next slot, not
    /// before it; time lost (a clock that jumps a second) is not made up with a burst.
    @Test func pacingOnTheInjectedClockIsRateTimesElapsedPlusOne() async throws {
        // Half a millisecond past a whole one: the runner's slots are whole milliseconds, and
        // every instant the test moves to then reads as the intended millisecond, never on the
        // edge between two, however a Double rounds it.
        let clock = ManualClock(start: Timestamp.date(millis: Timestamp.millis(Date())).addingTimeInterval(0.0005))
        let server = try await TestServer.start { $0.clock = clock }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let s = try await Self.setup(server, count: 12, url: receiver.url + "/paced")
        let start = clock.nowMillis
        let created = try await server.client.post("/v1/replay", Self.window(clock.now, ["destination_id": .string(s.destination), "rate_limit": 20]))
        let id = try #require(created.json["job"]?["id"]?.stringValue, "\(created.text)")
        func at(_ millis: Int64) -> Date { Timestamp.date(millis: start + millis).addingTimeInterval(0.0005) }

        /// Waits until the job sleeps until `start + wake` ms, then checks what it sent by then.
        func expectAsleep(until wake: Int64, sent: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while !clock.hasSleeper(until: Timestamp.date(millis: start + wake)), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(clock.hasSleeper(until: Timestamp.date(millis: start + wake)), "the job never slept until +\(wake) ms")
            #expect(try await server.client.get("/v1/replay/\(id)").json["job"]?["processed"] == .number(Double(sent)), "asleep until +\(wake) ms")
            #expect(receiver.requests.count == sent, "asleep until +\(wake) ms")
        }

        try await expectAsleep(until: 50, sent: 1)
        for k in 1...7 {
            let slot = Int64(k) * 50
            // A millisecond before the slot the job still sleeps: nothing more went.
            clock.advance(to: at(slot - 1))
            #expect(clock.hasSleeper(until: Timestamp.date(millis: start + slot)))
            #expect(receiver.requests.count == k)
            clock.advance(to: at(slot))
            try await expectAsleep(until: slot + 50, sent: k + 1)
        }
        // A second passes at once: one event goes, and the next slot counts from now.
        clock.advance(to: at(1400))
        try await expectAsleep(until: 1450, sent: 9)
        // Advancing lets the rest through, one a slot.
        clock.advance(to: at(1450))
        try await expectAsleep(until: 1500, sent: 10)
        clock.advance(to: at(1500))
        try await expectAsleep(until: 1550, sent: 11)
        clock.advance(to: at(1550))
        let done = try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["status"] == "completed" }
        #expect(done["job"]?["processed"] == 12)
        #expect(Set(Self.numbers(receiver.requests)) == Set(0..<12), "each event once")
        #expect(receiver.requests.count == 12)
    }

    /// A job that names neither limit gets the documented defaults.
    @Test func omittedLimitsDefaultToTenPerSecondAndAThousandEvents() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let s = try await Self.setup(server, count: 1, url: receiver.url + "/defaults")
        let created = try await server.client.post("/v1/replay", Self.window(Date(), ["destination_id": .string(s.destination)]))
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["job"]?["rate_limit"] == 10)
        #expect(created.json["job"]?["max_events"] == 1000)
        let id = try #require(created.json["job"]?["id"]?.stringValue)
        let stored = try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["status"] == "completed" }
        #expect(stored["job"]?["rate_limit"] == 10)
        #expect(stored["job"]?["max_events"] == 1000)
    }

    @Test func failuresAreRecordedAndCountedButNeverRetried() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.reply([.status(500), .status(200), .status(503), .status(200)])
        let s = try await Self.setup(server, count: 4, url: receiver.url + "/flaky")
        let created = try await server.client.post("/v1/replay", Self.window(Date(), ["destination_id": .string(s.destination), "rate_limit": 100]))
        let id = try #require(created.json["job"]?["id"]?.stringValue)
        let done = try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["status"] == "completed" }
        #expect(done["job"]?["succeeded"] == 2)
        #expect(done["job"]?["failed"] == 2)
        let attempts = try await server.client.get("/v1/delivery-attempts?destination_id=\(s.destination)").json["delivery_attempts"]?.arrayValue ?? []
        #expect(attempts.count == 4)
        #expect(attempts.filter { $0["status"] == "failed" }.count == 2)
        #expect(attempts.allSatisfy { $0["status"] != "pending" && $0["next_retry_at"] == .null && $0["is_dlq"] == 0 }, "\(attempts)")
        #expect(try await server.client.get("/v1/issues").json["issues"] == [])
    }

    @Test func badRequestsNameTheField() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let s = try await Self.setup(server, count: 0, url: "https://e.com/hook")
        let now = Date()
        func post(_ body: JSON) async throws -> TestResponse { try await server.client.post("/v1/replay", body) }
        let reversed = try await post([
            "destination_id": .string(s.destination), "from": .string(Timestamp.iso(millis: Timestamp.millis(now))),
            "to": .string(Timestamp.iso(millis: Timestamp.millis(now) - 60_000)),
        ])
        #expect(reversed.status == 400)
        #expect(reversed.json["error"]?.stringValue?.contains("'from'") == true)
        let future = try await post([
            "destination_id": .string(s.destination), "from": .string(Timestamp.iso(millis: Timestamp.millis(now) + 3_600_000)),
            "to": .string(Timestamp.iso(millis: Timestamp.millis(now) + 7_200_000)),
        ])
        #expect(future.status == 400)
        #expect(future.json["error"]?.stringValue?.contains("future") == true)
        let unknownDestination = try await post(Self.window(now, ["destination_id": "dst_0123456789abcdef0123456789abcdef"]))
        #expect(unknownDestination.status == 404)
        #expect(unknownDestination.json["error"]?.stringValue?.contains("destination_id") == true)
        let unknownSource = try await post(Self.window(now, ["destination_id": .string(s.destination), "source_id": "src_0123456789abcdef0123456789abcdef"]))
        #expect(unknownSource.status == 404)
        #expect(unknownSource.json["error"]?.stringValue?.contains("source_id") == true)
        for extra: JSONObject in [["rate_limit": 101], ["rate_limit": 0], ["max_events": 10001], ["max_events": 2.5], ["to": "yesterday"], ["colour": "red"]] {
            var body = extra
            body["destination_id"] = .string(s.destination)
            let response = try await post(Self.window(now, body))
            #expect(response.status == 400, "\(extra)")
        }
        #expect(try await post(["destination_id": .string(s.destination), "from": "2026-01-01T00:00:00Z"]).status == 400)
        #expect(try await server.client.get("/v1/replay/rpl_0123456789abcdef0123456789abcdef").status == 404)
        // Another environment cannot replay to this destination.
        let other = try await server.newTenantKey()
        #expect(try await other.post("/v1/replay", Self.window(now, ["destination_id": .string(s.destination)])).status == 404)
    }

    /// Time driven by the injected clock: a job at 1 event/s sends its first event, then waits
    /// on the clock; a cancel stops it there, and the finished job expires after the TTL.
    @Test func cancelStopsAJobAndFinishedJobsExpire() async throws {
        let clock = ManualClock()
        let server = try await TestServer.start {
            $0.clock = clock
            $0.replayJobTTLSeconds = 600
        }
        defer { server.stop() }
        let first = try await TestReceiver.start()
        defer { first.stop() }
        let second = try await TestReceiver.start()
        defer { second.stop() }
        let s = try await Self.setup(server, count: 5, url: first.url + "/slow")
        let created = try await server.client.post("/v1/replay", Self.window(clock.now, ["destination_id": .string(s.destination), "rate_limit": 1]))
        let id = try #require(created.json["job"]?["id"]?.stringValue)
        try await server.client.eventually("/v1/replay/\(id)") { $0["job"]?["processed"] == 1 }
        #expect(first.requests.count == 1)

        let cancelled = try await server.client.post("/v1/replay/\(id)/cancel", [:])
        #expect(cancelled.status == 200, "\(cancelled.text)")
        #expect(cancelled.json["job"]?["status"] == "cancelled")
        #expect(cancelled.json["job"]?["processed"] == 1)
        #expect(try await server.client.post("/v1/replay/\(id)/cancel", [:]).status == 409)

        // Time passes; another job runs to its end meanwhile; the cancelled one sent nothing more.
        clock.advance(by: .seconds(30))
        let otherDestination = try #require(
            try await server.client.post("/v1/destinations", ["name": "Second", "url": .string(second.url + "/fast")]).json["id"]?.stringValue)
        let fast = try await server.client.post("/v1/replay", Self.window(clock.now, ["destination_id": .string(otherDestination), "rate_limit": 100]))
        let fastID = try #require(fast.json["job"]?["id"]?.stringValue)
        // At 100/s each next slot is 10 ms of the manual clock away: move it along until done.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await server.client.get("/v1/replay/\(fastID)").json["job"]?["status"] != "completed", ContinuousClock.now < deadline {
            clock.advance(by: .milliseconds(10))
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(second.requests.count == 5)
        #expect(first.requests.count == 1)
        #expect(try await server.client.get("/v1/replay/\(id)").json["job"]?["processed"] == 1)

        // Ten minutes after finishing, a job is gone.
        clock.advance(by: .seconds(601))
        #expect(try await server.client.get("/v1/replay/\(id)").status == 404)
        #expect(try await server.client.get("/v1/replay").json["jobs"] == [])
    }
}
