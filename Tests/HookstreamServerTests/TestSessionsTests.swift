import Foundation
import HookstreamCore
import HookstreamServer
import HookstreamTesting
import JSONValue
import Testing

/// `/v1/test/sessions…`: unauthenticated sessions, their limits and expiry, the custom
/// response, notes, export and claim.
@Suite struct TestSessionsTests {
    struct Session {
        var id: String
        var path: String
        var ingest: String
    }

    static func create(_ server: TestServer, prefix: String = "/v1/test/sessions") async throws -> Session {
        let created = try await server.anonymous.request("POST", prefix)
        try #require(created.status == 201, "\(created.status) \(created.text)")
        let id = try #require(created.json["session_id"]?.stringValue)
        let url = try #require(created.json["url"]?.stringValue)
        #expect(url == server.baseURL + "/v1/ingest/" + id)
        return Session(id: id, path: prefix + "/" + id, ingest: "/v1/ingest/" + id)
    }

    /// A server whose time the test drives.
    static func start(_ clock: ManualClock, _ configure: (inout ServerConfiguration) -> Void) async throws -> TestServer {
        try await TestServer.start {
            $0.clock = clock
            configure(&$0)
        }
    }

    @Test func aSessionRecordsRequestsAndAnswersWithItsCustomResponse() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let anon = server.anonymous
        let created = try await anon.request("POST", "/v1/test/sessions")
        #expect(created.json["request_limit"] == 2000)
        #expect(created.json["request_count"] == 0)
        let expires = try #require(created.json["expires_at"]?.stringValue.flatMap(Timestamp.parse))
        #expect(abs(expires.timeIntervalSinceNow - 14 * 86_400) < 120)
        let session = try await Self.create(server)

        // The default answer is ingest's own.
        let first = try await anon.request("POST", session.ingest + "?attempt=1", json: ["type": "payment.succeeded"], headers: [("Stripe-Signature", "t=1,v1=x")])
        #expect(first.status == 200)
        let firstID = try #require(first.json["event_id"]?.stringValue)

        // The custom response is what the URL answers from then on.
        let set = try await anon.patch(
            session.path + "/response",
            ["status_code": 201, "content_type": "text/plain", "body": "thanks", "headers": ["X-Custom": "value"]])
        #expect(set.status == 200, "\(set.text)")
        #expect(set.json["ok"] == true)
        let second = try await anon.request("PUT", session.ingest, body: Array("plain text".utf8), headers: [("Content-Type", "text/plain")])
        #expect(second.status == 201)
        #expect(second.text == "thanks")
        #expect(second.header("Content-Type") == "text/plain")
        #expect(second.header("X-Custom") == "value")

        // A status without a body keeps ingest's JSON answer.
        _ = try await anon.patch(session.path + "/response", ["status_code": 503, "body": .null])
        let third = try await anon.request("POST", session.ingest, json: ["n": 3])
        #expect(third.status == 503)
        #expect(third.json["event_id"]?.stringValue?.hasPrefix("evt_") == true)

        for bad: JSON in [["status_code": 199], ["status_code": 600], ["status_code": 201.5], ["body": .string(String(repeating: "x", count: 4097))],
            ["headers": ["Content-Length": "1"]], ["headers": ["bad name": "x"]], ["colour": "red"]]
        {
            let refused = try await anon.patch(session.path + "/response", bad)
            #expect(refused.status == 400, "\(bad): \(refused.text)")
            #expect(refused.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        }

        let listed = try await anon.get(session.path).json
        #expect(listed["session"]?["id"] == .string(session.id))
        #expect(listed["session"]?["request_count"] == 3)
        let events = try #require(listed["events"]?.arrayValue)
        #expect(events.count == 3)
        #expect(events.map { $0["response_status"] } == [503, 201, 200])
        #expect(events[2]["headers"]?["stripe-signature"] == "t=1,v1=x")
        #expect(listed["pagination"]?["has_more"] == false)

        let detail = try await anon.get(session.path + "/events/" + firstID)
        #expect(detail.json["payload"]?["type"] == "payment.succeeded")
        #expect(detail.json["query"]?["attempt"] == "1")
        #expect(detail.json["method"] == "POST")

        // Notes.
        let noted = try await anon.request("PUT", session.path + "/events/" + firstID + "/note", json: ["note": "the successful payment"])
        #expect(noted.status == 200, "\(noted.text)")
        #expect(try await anon.get(session.path + "/events/" + firstID).json["note"] == "the successful payment")
        #expect(try await anon.request("PUT", session.path + "/events/" + firstID + "/note", json: ["note": 5]).status == 400)
        #expect(try await anon.request("PUT", session.path + "/events/evt_0123456789abcdef0123456789abcdef/note", json: ["note": "x"]).status == 404)

        // Sessions are nobody's: no organization sees them.
        #expect(try await server.client.get("/v1/events?source_id=\(session.id)").json["events"]?.arrayValue?.isEmpty == true)
        #expect(try await server.client.get("/v1/sources/\(session.id)").status == 404)

        // Delete takes the session, its events and its URL.
        #expect(try await anon.delete(session.path).json["deleted"] == true)
        #expect(try await anon.get(session.path).status == 404)
        #expect(try await anon.request("POST", session.ingest, json: ["n": 4]).status == 404)
        #expect(try await anon.delete(session.path).status == 404)
    }

    @Test func theRequestLimitAnswers429() async throws {
        let server = try await TestServer.start { $0.testSessionRequestLimit = 3 }
        defer { server.stop() }
        let session = try await Self.create(server)
        // Concurrent requests never overshoot: the count is taken in one transaction.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<8 { group.addTask { try await server.anonymous.request("POST", session.ingest, json: ["n": .number(Double(n))]).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 3)
        #expect(statuses.filter { $0 == 429 }.count == 5)
        let listed = try await server.anonymous.get(session.path).json
        #expect(listed["session"]?["request_count"] == 3)
        #expect(listed["events"]?.arrayValue?.count == 3)
    }

    @Test func anExpiredSessionAnswers410ThenIsDeletedBySweepAndAnswers404() async throws {
        let clock = ManualClock(start: Date())
        let server = try await Self.start(clock) { $0.testSessionTTLSeconds = 60 }
        defer { server.stop() }
        let session = try await Self.create(server)
        let anon = server.anonymous
        #expect(try await anon.request("POST", session.ingest, json: ["n": 1]).status == 200)
        clock.advance(by: .seconds(61))
        #expect(try await anon.request("POST", session.ingest, json: ["n": 2]).status == 410)
        // Still readable until the sweep, no longer changeable.
        #expect(try await anon.get(session.path).json["events"]?.arrayValue?.count == 1)
        #expect(try await anon.patch(session.path + "/response", ["status_code": 202]).status == 410)
        // The sweep deletes it once expired for its grace (the TTL, at most an hour: 60 s here),
        // checking every TTL/4: advance until the URL is gone.
        let deadline = ContinuousClock.now + .seconds(60)  // a bound against a hang, not a speed
        var status = 410
        while status == 410, ContinuousClock.now < deadline {
            clock.advance(by: .seconds(16))
            try await Task.sleep(for: .milliseconds(50))
            status = try await anon.request("POST", session.ingest, json: ["n": 3]).status
        }
        #expect(status == 404)
        #expect(try await anon.get(session.path).status == 404)
    }

    @Test func creationIsLimitedPerIPPerHour() async throws {
        let clock = ManualClock(start: Date())
        let server = try await Self.start(clock) { $0.testSessionsPerIPPerHour = 2 }
        defer { server.stop() }
        let first = try await Self.create(server)
        _ = try await Self.create(server, prefix: "/v1/agent/sessions")
        let refused = try await server.anonymous.request("POST", "/v1/test/sessions")
        #expect(refused.status == 429)
        #expect(refused.json["error"]?.stringValue?.contains("2 test sessions per IP") == true)
        // Deleting one does not give the hour back.
        _ = try await server.anonymous.delete(first.path)
        #expect(try await server.anonymous.request("POST", "/v1/test/sessions").status == 429)
        clock.advance(by: .seconds(3601))
        _ = try await Self.create(server)
    }

    @Test func claimMovesTheSessionIntoTheCallersOrganizationWithTheSameURL() async throws {
        let server = try await TestServer.start { $0.testSessionRequestLimit = 2 }
        defer { server.stop() }
        let session = try await Self.create(server)
        let anon = server.anonymous
        let sent = try await anon.request("POST", session.ingest, json: ["type": "order.created"])
        let eventID = try #require(sent.json["event_id"]?.stringValue)
        _ = try await anon.request("PUT", session.path + "/events/" + eventID + "/note", json: ["note": "keep me"])

        #expect(try await anon.request("POST", session.path + "/claim").status == 401)
        let owner = try await server.newTenantKey()
        let claimed = try await owner.request("POST", session.path + "/claim")
        #expect(claimed.status == 200, "\(claimed.text)")
        #expect(claimed.json["claimed"] == true)
        #expect(claimed.json["source_id"] == .string(session.id))
        let org = try await owner.get("/v1/auth/me").json["organization"]?["id"]
        #expect(claimed.json["org_id"] == org)

        // An ordinary source of the owner's now, events included; nobody else sees it.
        #expect(try await owner.get("/v1/sources/\(session.id)").status == 200)
        let events = try await owner.get("/v1/events?source_id=\(session.id)").json["events"]?.arrayValue ?? []
        #expect(events.map { $0["id"] } == [.string(eventID)])
        #expect(try await server.client.get("/v1/sources/\(session.id)").status == 404)
        // The session API no longer knows it; the URL keeps working, without the session's limit.
        #expect(try await anon.get(session.path).status == 404)
        #expect(try await owner.request("POST", session.path + "/claim").status == 404)
        for n in 0..<3 {
            let more = try await anon.request("POST", session.ingest, json: ["n": .number(Double(n))])
            #expect(more.status == 200)
        }
        #expect(try await owner.get("/v1/events?source_id=\(session.id)").json["events"]?.arrayValue?.count == 4)
    }

    @Test func theAgentAPIServesTheSameSessionsWithFilters() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let session = try await Self.create(server, prefix: "/v1/agent/sessions")
        let anon = server.anonymous
        _ = try await anon.request("POST", session.ingest, json: ["type": "order.created"])
        _ = try await anon.request("PUT", session.ingest, json: ["type": "order.updated"], headers: [("X-Trace", "needle-in-header")])
        _ = try await anon.patch(session.path + "/response", ["status_code": 500])
        _ = try await anon.request("POST", session.ingest, json: ["type": "order.deleted"])

        func ids(_ query: String) async throws -> [String] {
            let page = try await anon.get(session.path + query)
            #expect(page.status == 200, "\(query): \(page.text)")
            return (page.json["events"]?.arrayValue ?? []).compactMap { $0["payload"]?["type"]?.stringValue ?? $0["id"]?.stringValue }
        }
        #expect(try await ids("?method=POST").count == 2)
        #expect(try await ids("?method=put").count == 1)
        #expect(try await ids("?status=5xx").count == 1)
        #expect(try await ids("?status=2xx").count == 2)
        #expect(try await ids("?q=order.deleted").count == 1)
        #expect(try await ids("?q=needle-in-header").count == 1)
        #expect(try await anon.get(session.path + "?status=6xx").status == 400)

        // Pages of one, newest first, through the cursor.
        var seen: [String] = []
        var query = "?limit=1"
        while true {
            let page = try await anon.get(session.path + query).json
            seen += (page["events"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            guard let cursor = page["pagination"]?["next_cursor"]?.stringValue else { break }
            query = "?limit=1&cursor=" + cursor
        }
        #expect(seen.count == 3)
        #expect(seen == seen.sorted(by: >))
        // The same session under the other prefix.
        #expect(try await anon.get("/v1/test/sessions/" + session.id).json["events"]?.arrayValue?.count == 3)
    }

    @Test func exportStreamsTenThousandEventsAsNDJSONAndCSV() async throws {
        let server = try await TestServer.start { $0.testSessionRequestLimit = 20_000 }
        defer { server.stop() }
        let session = try await Self.create(server)
        let total = 10_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for n in stride(from: worker, to: total, by: 16) {
                        let answer = try await server.anonymous.request("POST", session.ingest, json: ["n": .number(Double(n)), "text": "a,\"quoted\"\nline"])
                        if answer.status != 200 { throw TestServerError("ingest \(n): \(answer.status) \(answer.text)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let ndjson = try await server.anonymous.get(session.path + "/export")
        #expect(ndjson.status == 200)
        #expect(ndjson.header("Content-Type") == "application/x-ndjson")
        // Streamed: no length known up front.
        #expect(ndjson.header("Content-Length") == nil)
        let lines = ndjson.text.split(separator: "\n")
        #expect(lines.count == total)
        let parsed = lines.compactMap { try? JSON(parsing: Array($0.utf8)) }
        #expect(parsed.count == total)
        #expect(Set(parsed.compactMap { $0["body"]?["n"]?.numberValue }).count == total)
        let ids = parsed.compactMap { $0["id"]?.stringValue }
        #expect(ids == ids.sorted(), "oldest first")

        let csv = try await server.anonymous.get(session.path + "/export?format=csv")
        #expect(csv.header("Content-Type") == "text/csv; charset=utf-8")
        #expect(csv.text.hasPrefix("id,received_at,method,"))
        // Quoted fields hold the body's newline, so count records by their leading ID.
        #expect(csv.text.components(separatedBy: "\r\nevt_").count == total + 1)
        #expect(try await server.anonymous.get(session.path + "/export?format=xml").status == 400)
    }
}
