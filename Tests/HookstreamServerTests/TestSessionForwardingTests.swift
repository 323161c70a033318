import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamTesting
import JSONValue
import Testing

/// A test session's forwarding: each request also goes to the target, without holding up the
/// sender's answer, through the outbound policy for unauthenticated callers
/// (`--public-outbound`); the result is kept with the event.
@Suite struct TestSessionForwardingTests {
    struct FixedResolver: HostResolver {
        var table: [String: String]
        func addresses(of host: String) async throws -> [IPAddress] {
            table[host].flatMap { IPAddress($0) }.map { [$0] } ?? []
        }
    }

    func forwarding(_ client: TestHTTPClient, _ session: TestSessionsTests.Session, eventID: String) async throws -> JSON {
        try await client.eventually(session.path + "/events/" + eventID, timeout: .seconds(60)) { $0["forwarding"] != .null && $0["forwarding"] != nil }["forwarding"] ?? .null
    }

    /// A server with `--public-outbound all` (loopback allowed), a receiver on loopback and a
    /// fresh session.
    func sessionWithLocalReceiver() async throws -> (TestServer, TestReceiver, TestSessionsTests.Session) {
        let server = try await TestServer.start { $0.outboundPolicy.publicOutbound = .all }
        do {
            let receiver = try await TestReceiver.start()
            return (server, receiver, try await TestSessionsTests.create(server))
        } catch {
            server.stop()
            throw error
        }
    }

    @Test func withPublicOutboundAllEachRequestIsForwardedWithoutDelayingTheAnswer() async throws {
        let (server, receiver, session) = try await sessionWithLocalReceiver()
        defer {
            server.stop()
            receiver.stop()
        }
        let anon = server.anonymous
        let set = try await anon.patch(session.path + "/forwarding", ["url": .string(receiver.url + "/webhooks")])
        #expect(set.status == 200, "\(set.text)")
        #expect(set.json["forwarding"] == .string(receiver.url + "/webhooks"))
        #expect(try await anon.get(session.path).json["session"]?["forwarding"] == .string(receiver.url + "/webhooks"))

        // The target takes 20 s; the sender is answered long before, and before the forward
        // has finished (a bound far from the stall, so a loaded machine cannot fail it: a CI
        // run once took 7.3 s to answer under the whole suite's load).
        receiver.reply([.stall(seconds: 20)])
        let started = ContinuousClock.now
        let body = Array("{\"type\":\"charge.succeeded\",\"amount\":100}".utf8)
        let sent = try await anon.request(
            "POST", session.ingest + "?livemode=false", body: body, headers: [("Content-Type", "application/json"), ("Stripe-Signature", "t=1,v1=abc")])
        let answeredIn = ContinuousClock.now - started
        #expect(sent.status == 200)
        #expect(answeredIn < .seconds(15), "answered in \(answeredIn)")
        let eventID = try #require(sent.json["event_id"]?.stringValue)
        #expect(try await anon.get(session.path + "/events/" + eventID).json["forwarding"] ?? .null == .null)

        let forwarded = try await receiver.waitFor(count: 1)[0]
        #expect(forwarded.body == body)
        #expect(forwarded.path == "/webhooks")
        #expect(forwarded.headers["stripe-signature"] == "t=1,v1=abc")
        #expect(forwarded.headers["x-hookstream-event-id"] == .some(eventID))
        let result = try await forwarding(anon, session, eventID: eventID)
        #expect(result["status"] == 200)
        #expect((result["latency_ms"]?.numberValue ?? 0) >= 19_900)
        #expect(result["error"] == .null)
        #expect(result["url"] == .string(receiver.url + "/webhooks"))

        // A failing target is recorded as such; the sender still gets the session's answer.
        receiver.reply([.status(500)])
        let second = try await anon.request("POST", session.ingest, json: ["n": 2])
        #expect(second.status == 200)
        let failed = try await forwarding(anon, session, eventID: try #require(second.json["event_id"]?.stringValue))
        #expect(failed["status"] == 500)

        // Turned off: null, or enabled false.
        #expect(try await anon.patch(session.path + "/forwarding", ["url": .null]).json["forwarding"] == .null)
        _ = try await anon.patch(session.path + "/forwarding", ["url": .string(receiver.url)])
        #expect(try await anon.patch(session.path + "/forwarding", ["enabled": false]).json["forwarding"] == .null)
        for bad: JSON in [["url": "ftp://example.com/x"], ["url": 5], [:], ["url": "https://example.com", "extra": 1]] {
            #expect(try await anon.patch(session.path + "/forwarding", bad).status == 400, "\(bad)")
        }
    }

    /// Claimed into an organization, the session's events keep what the session recorded:
    /// `GET /v1/events/:id` shows the answered status, the note and the forwarding result.
    @Test func aClaimedSessionsEventsShowTheirNotesAndForwardingInTheEventDetail() async throws {
        let (server, receiver, session) = try await sessionWithLocalReceiver()
        defer {
            server.stop()
            receiver.stop()
        }
        let anon = server.anonymous
        #expect(try await anon.patch(session.path + "/forwarding", ["url": .string(receiver.url + "/hooks")]).status == 200)
        #expect(try await anon.patch(session.path + "/response", ["status_code": 202]).status == 200)
        let sent = try await anon.request("POST", session.ingest, json: ["type": "invoice.paid"])
        #expect(sent.status == 202)
        let eventID = try #require(sent.json["event_id"]?.stringValue)
        let forwarded = try await forwarding(anon, session, eventID: eventID)
        #expect(try await anon.request("PUT", session.path + "/events/" + eventID + "/note", json: ["note": "first try"]).status == 200)

        let owner = try await server.newTenantKey()
        #expect(try await owner.request("POST", session.path + "/claim").status == 200)
        let detail = try await owner.get("/v1/events/\(eventID)")
        #expect(detail.status == 200, "\(detail.text)")
        let extras = try #require(detail.json["test_session"])
        #expect(extras["response_status"] == 202)
        #expect(extras["note"] == "first try")
        #expect(extras["forwarding"] == forwarded)
        #expect(extras["forwarding"]?["status"] == 200)
        #expect(extras["forwarding"]?["url"] == .string(receiver.url + "/hooks"))
        #expect(detail.json["body"]?["type"] == "invoice.paid")

        // An ordinary event has none; the claimed source's new events are ordinary ones.
        let later = try await anon.request("POST", session.ingest, json: ["n": 2])
        let laterDetail = try await owner.get("/v1/events/\(try #require(later.json["event_id"]?.stringValue))").json
        #expect(laterDetail["test_session"] == .null)
        #expect(receiver.requests.count == 1)
    }

    @Test func withPublicOutboundPublicPrivateTargetsAreRefused() async throws {
        let server = try await TestServer.start {
            $0.hostResolver = FixedResolver(table: ["receiver.test": "127.0.0.1", "metadata.test": "169.254.169.254"])
        }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let port = try #require(receiver.url.split(separator: ":").last)
        let session = try await TestSessionsTests.create(server)
        let anon = server.anonymous
        // Literal private addresses and localhost are refused when set.
        for url in ["http://127.0.0.1:\(port)/x", "http://localhost:\(port)/x", "http://10.1.2.3/x", "http://169.254.169.254/latest"] {
            let refused = try await anon.patch(session.path + "/forwarding", ["url": .string(url)])
            #expect(refused.status == 403, "\(url): \(refused.text)")
            #expect(refused.json["error"]?.stringValue?.contains("outbound policy") == true)
        }
        // A name is judged on what it resolves to, at each send: recorded as an error.
        #expect(try await anon.patch(session.path + "/forwarding", ["url": .string("http://receiver.test:\(port)/x")]).status == 200)
        let sent = try await anon.request("POST", session.ingest, json: ["n": 1])
        #expect(sent.status == 200)
        let result = try await forwarding(anon, session, eventID: try #require(sent.json["event_id"]?.stringValue))
        #expect(result["status"] == .null)
        #expect(result["error"]?.stringValue?.contains("loopback") == true, "\(result)")
        // Refused before connecting: the receiver never saw it.
        #expect(receiver.requests.isEmpty)
    }

    @Test func withPublicOutboundOffForwardingIsRefusedAtConfiguration() async throws {
        let server = try await TestServer.start { $0.outboundPolicy.publicOutbound = .off }
        defer { server.stop() }
        let session = try await TestSessionsTests.create(server)
        let refused = try await server.anonymous.patch(session.path + "/forwarding", ["url": "https://example.com/webhooks"])
        #expect(refused.status == 403)
        #expect(refused.json["error"]?.stringValue?.contains("--public-outbound off") == true)
        // Turning it off is still allowed.
        #expect(try await server.anonymous.patch(session.path + "/forwarding", ["url": .null]).status == 200)
    }
}
